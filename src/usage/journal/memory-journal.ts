import type { Journal, JournalBatch, JournalPosition } from "./journal.js";

const DONE = Promise.resolve();

/** A journal in memory, for stores that are themselves in memory (`sqlite://:memory:`) and tests. */
export class MemoryJournal implements Journal {
  readonly start: JournalPosition = { segment: 0, offset: 0 };
  readonly backlogAtOpen = 0;
  readonly failure = null;
  /** Records that could not be stored (see Journal.quarantine). */
  readonly quarantined: string[] = [];
  private lines: string[] = [];
  /** Index (offset) of lines[0]. */
  private base = 0;
  private readonly listeners: ((records: number) => void)[] = [];

  append(line: string): Promise<void> {
    this.lines.push(line);
    queueMicrotask(() => this.listeners.forEach((l) => l(1)));
    return DONE;
  }

  async read(from: JournalPosition, max: number): Promise<JournalBatch> {
    const i = Math.max(0, from.offset - this.base);
    const lines = this.lines.slice(i, i + max);
    return { lines, next: { segment: 0, offset: this.base + i + lines.length } };
  }

  async checkpoint(position: JournalPosition): Promise<void> {
    const drop = position.offset - this.base;
    if (drop <= 0) return;
    this.lines = this.lines.slice(drop);
    this.base = position.offset;
  }

  async quarantine(line: string): Promise<void> {
    this.quarantined.push(line);
  }

  onDurable(listener: (records: number) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {}
}
