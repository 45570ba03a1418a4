import type { Journal, JournalBatch, JournalPosition } from "../usage/journal/journal.js";
import { Wakeup } from "../usage/wakeup.js";
import type { AuditLog } from "./audit-log.js";
import type { AuditEntry } from "./chain.js";
import type { ChainWriter } from "./chain-writer.js";
import { decodeEntry, encodeEntry } from "./entry-codec.js";
import { FlushWaiters } from "../usage/journal/flush-waiters.js";

/** What the writer reports (metrics, logs). Must not throw. */
export interface AuditEvents {
  onStored?(records: number): void;
  onWriteError?(err: unknown): void;
  /** A journal line that is not an entry: kept aside in the journal's rejected file. */
  onRejected?(line: string): void;
}

export interface AuditTrailOptions {
  readonly journal: Journal;
  readonly writer: ChainWriter;
  readonly batchSize: number;
  /** Longest a partial batch waits for company (group commit). */
  readonly batchIntervalMs: number;
  /** close(): how long to keep writing to the store before leaving the rest for the next start. */
  readonly drainTimeoutMs: number;
  readonly events?: AuditEvents;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

const DONE = Promise.resolve();
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The audit trail: `record` appends the entry to a local journal (no await, no throw: a request never
 * waits for its audit record), and one writer per replica takes the journal's records in batches,
 * links them into this replica's hash chain and stores each batch in one transaction. While the store
 * is down records wait in the journal, and the same batch is retried with backoff; what an earlier run
 * left in the journal is written at the next start.
 */
export class AuditTrail implements AuditLog {
  private readonly wake = new Wakeup();
  private readonly flushes = new FlushWaiters();
  private position: JournalPosition;
  private appended = 0;
  private durableRecords: number;
  private consumed = 0;
  private lastError: unknown = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private closed = false;
  private lastAppend: Promise<void> = DONE;

  constructor(private readonly options: AuditTrailOptions) {
    this.position = options.journal.start;
    this.durableRecords = options.journal.backlogAtOpen;
    options.journal.onDurable((n) => {
      this.durableRecords += n;
      this.wake.notify();
    });
  }

  /** This replica's chain id (it changes only if another writer is found on it). */
  get chain(): string {
    return this.options.writer.id;
  }

  record(entry: AuditEntry): void {
    if (this.closed) return;
    this.appended++;
    this.lastAppend = this.options.journal.append(encodeEntry(entry));
  }

  /** Resolves once every record so far is in the journal (appends become durable in order). */
  durable(): Promise<void> {
    return this.lastAppend;
  }

  /** Records not in the store yet. */
  get backlog(): number {
    return Math.max(0, this.options.journal.backlogAtOpen + this.appended - this.consumed);
  }

  problems(): string[] {
    const out: string[] = [];
    const failure = this.options.journal.failure;
    if (failure !== null) out.push(`audit journal: ${failure.message}`);
    if (this.lastError !== null)
      out.push(
        `audit trail: ${this.backlog} records waiting in the journal (store: ${message(this.lastError)})`,
      );
    return out;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once everything recorded so far is stored; rejects after `timeoutMs`. */
  flush(timeoutMs = 30_000): Promise<void> {
    const target = this.options.journal.backlogAtOpen + this.appended;
    if (this.consumed >= target) return DONE;
    const waiting = this.flushes.wait(
      target,
      timeoutMs,
      () => new Error(`audit trail: ${this.backlog} records not in the store after ${timeoutMs} ms`),
    );
    this.wake.notify();
    return waiting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.loop !== null) await this.flush(this.options.drainTimeoutMs).catch(() => undefined);
    this.closed = true;
    this.stopping = true;
    this.wake.notify();
    await this.loop;
    await this.options.journal.close();
  }

  private async run(): Promise<void> {
    const { journal, writer, batchSize } = this.options;
    let batch: { read: JournalBatch; entries: AuditEntry[] } | null = null;
    let failures = 0;
    while (!this.stopping) {
      if (batch === null) {
        if (!(await this.gather())) continue;
        const read = await journal.read(this.position, batchSize).catch((err: unknown) => {
          this.lastError = err;
          return null;
        });
        if (read === null) {
          await this.pause(1000);
          continue;
        }
        if (read.lines.length === 0) {
          await this.wake.wait(1000);
          continue;
        }
        batch = { read, entries: await this.decode(read.lines) };
      }
      try {
        await writer.write(batch.entries);
      } catch (err) {
        failures++;
        this.lastError = err;
        this.options.events?.onWriteError?.(err);
        await this.pause(this.backoffMs(failures));
        continue;
      }
      failures = 0;
      this.lastError = null;
      this.position = batch.read.next;
      this.consumed += batch.read.lines.length;
      this.options.events?.onStored?.(batch.entries.length);
      batch = null;
      this.flushes.settle(this.consumed);
      await journal.checkpoint(this.position).catch(() => undefined); // a lost checkpoint means more replay
    }
  }

  /** Waits for records, and for a partial batch to fill up or its window to pass. False: nothing yet. */
  private async gather(): Promise<boolean> {
    if (this.unread() <= 0) {
      await this.wake.wait(1000);
      return false;
    }
    const replaying = this.consumed < this.options.journal.backlogAtOpen;
    const until = Date.now() + this.options.batchIntervalMs;
    while (!replaying && !this.stopping && !this.flushes.pending && this.unread() < this.options.batchSize) {
      const left = until - Date.now();
      if (left <= 0) break;
      await this.wake.wait(left);
    }
    return true;
  }

  private async decode(lines: readonly string[]): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for (const line of lines) {
      const entry = decodeEntry(line);
      if (entry !== undefined) entries.push(entry);
      else {
        this.options.events?.onRejected?.(line);
        await this.options.journal.quarantine(line).catch(() => undefined);
      }
    }
    return entries;
  }

  private unread(): number {
    return this.durableRecords - this.consumed;
  }

  private backoffMs(failures: number): number {
    const base = this.options.retryBaseMs ?? 100;
    return Math.min(this.options.retryMaxMs ?? 5000, base * 2 ** Math.min(failures - 1, 16));
  }

  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) await this.wake.wait(until - Date.now());
  }
}
