import { writeSync } from "node:fs";
import { appendFile, mkdir, open, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { lockDir } from "./dir-lock.js";
import type { Journal, JournalBatch, JournalPosition } from "./journal.js";
import { SegmentReader } from "./segment-reader.js";
import { countRecords, listSegments, readCheckpoint, segmentName, writeCheckpoint } from "./segments.js";

export interface FileJournalOptions {
  readonly dir: string;
  /**
   * When records reach the disk. All modes survive a crash of the process (kill -9 included): a
   * group is durable once written to the file. "commit": each group is also fdatasynced before it is
   * durable (survives power loss; an fsync on every response's path). "interval": fdatasync in the
   * background at most every `fsyncIntervalMs` (a power loss loses at most that much). "off": the
   * operating system writes back in its own time.
   */
  readonly fsync: JournalSync;
  /** "interval": the longest written records wait for their fdatasync (default 200). */
  readonly fsyncIntervalMs?: number;
  /** The group commit window: appends within it share one write and one fsync. */
  readonly commitIntervalMs: number;
  /** A new segment starts once the current one is this large. */
  readonly segmentBytes: number;
  /** Pause before a failed write is tried again. */
  readonly retryMs?: number;
}

export type JournalSync = "commit" | "interval" | "off";

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The journal as segment files in a directory (one directory per gateway process, held by a LOCK
 * file). Appends are grouped: the first append of an idle period schedules a write after the commit
 * window; every append until then shares that write and its fsync, and appends made while a write is
 * in flight form the next group. A group is written with one synchronous write(2) — a few
 * microseconds into the page cache, and no hop to libuv's thread pool and back — and fdatasynced
 * according to `fsync`. Each start appends to a fresh segment, so a torn tail left by a crash is
 * never extended.
 */
export class FileJournal implements Journal {
  failure: Error | null = null;
  private pending: string[] = [];
  private group: Deferred | null = null;
  private retryLines: string[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private flushing: Promise<void> | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private closing = false;
  private needsRotate = false;
  private readonly listeners: ((records: number) => void)[] = [];
  private readonly reader: SegmentReader;
  private durableEnd: JournalPosition;

  constructor(
    private readonly options: FileJournalOptions,
    private readonly release: () => void,
    private segments: number[],
    private current: { n: number; fh: FileHandle; size: number },
    readonly start: JournalPosition,
    readonly backlogAtOpen: number,
  ) {
    this.reader = new SegmentReader((n) => this.path(n));
    this.durableEnd = { segment: current.n, offset: 0 };
  }

  private path(n: number): string {
    return join(this.options.dir, segmentName(n));
  }

  append(line: string): Promise<void> {
    this.pending.push(line);
    this.group ??= deferred();
    this.schedule();
    return this.group.promise;
  }

  read(from: JournalPosition, max: number): Promise<JournalBatch> {
    return this.reader.read(from, max, this.durableEnd, this.segments);
  }

  async checkpoint(position: JournalPosition): Promise<void> {
    await writeCheckpoint(this.options.dir, position);
    const old = this.segments.filter((s) => s < position.segment && s !== this.current.n);
    if (old.length === 0) return;
    await this.reader.forget(position.segment);
    for (const s of old) await rm(this.path(s), { force: true });
    this.segments = this.segments.filter((s) => !old.includes(s));
  }

  async quarantine(line: string): Promise<void> {
    await appendFile(join(this.options.dir, "rejected.jsonl"), `${line}\n`);
  }

  onDurable(listener: (records: number) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    await this.flushing;
    if (this.pending.length > 0 || this.retryLines.length > 0) await this.flushAll();
    if (this.syncTimer !== null) {
      clearTimeout(this.syncTimer);
      this.syncTimer = null;
      await this.syncNow();
    }
    await this.syncing;
    await this.current.fh.close().catch(() => undefined);
    await this.reader.close();
    this.release();
  }

  private schedule(): void {
    if (this.flushing !== null || this.timer !== null) return;
    const run = (): void => {
      this.timer = null;
      this.flushing = this.flushAll().finally(() => {
        this.flushing = null;
        // appended after the last group was taken but before this callback ran
        if (this.pending.length > 0 && !this.closing) this.schedule();
      });
    };
    this.timer =
      this.options.commitIntervalMs > 0 ? setTimeout(run, this.options.commitIntervalMs) : setImmediate(run);
  }

  /** Writes groups until nothing is pending; while writes fail, retries every retryMs (gives up on close). */
  private async flushAll(): Promise<void> {
    while (this.pending.length > 0 || this.retryLines.length > 0) {
      const lines = this.retryLines.length > 0 ? [...this.retryLines, ...this.pending] : this.pending;
      const group = this.group;
      this.pending = [];
      this.retryLines = [];
      this.group = null;
      const ok = await this.write(lines);
      group?.resolve();
      if (ok) continue;
      if (this.closing) return;
      this.retryLines = lines;
      await new Promise((r) => setTimeout(r, this.options.retryMs ?? 1000));
    }
  }

  private async write(lines: string[]): Promise<boolean> {
    const buf = Buffer.from(`${lines.join("\n")}\n`, "utf8");
    try {
      if (this.needsRotate) await this.rotate();
      const fd = this.current.fh.fd;
      for (let written = 0; written < buf.length;) {
        written += writeSync(fd, buf, written, buf.length - written);
      }
      if (this.options.fsync === "commit") await this.current.fh.datasync();
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      // A partial write may have torn this segment's tail: go on in a fresh segment.
      this.needsRotate = true;
      return false;
    }
    this.current.size += buf.length;
    this.durableEnd = { segment: this.current.n, offset: this.current.size };
    this.failure = null;
    for (const l of this.listeners) l(lines.length);
    if (this.options.fsync === "interval") this.scheduleSync();
    if (this.current.size >= this.options.segmentBytes) this.needsRotate = true;
    return true;
  }

  /** "interval": one background fdatasync for everything written until it runs. */
  private scheduleSync(): void {
    if (this.syncTimer !== null) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      void this.syncNow();
    }, this.options.fsyncIntervalMs ?? 200);
    this.syncTimer.unref();
  }

  private syncNow(): Promise<void> {
    const fh = this.current.fh;
    const run = (this.syncing ?? Promise.resolve()).then(() =>
      fh.datasync().catch((err: unknown) => {
        this.failure = err instanceof Error ? err : new Error(String(err));
      }),
    );
    this.syncing = run;
    return run;
  }

  private async rotate(): Promise<void> {
    const n = this.current.n + 1;
    const fh = await open(this.path(n), "a");
    const old = this.current;
    this.current = { n, fh, size: 0 };
    this.segments.push(n);
    this.durableEnd = { segment: n, offset: 0 };
    this.needsRotate = false;
    if (this.options.fsync === "interval") await old.fh.datasync().catch(() => undefined);
    await old.fh.close().catch(() => undefined);
  }
}

/** Opens (creating) a journal directory: takes its lock, finds the checkpoint and the tail to replay. */
export async function openFileJournal(options: FileJournalOptions): Promise<FileJournal> {
  await mkdir(options.dir, { recursive: true });
  const release = lockDir(options.dir);
  try {
    const segments = await listSegments(options.dir);
    const saved = await readCheckpoint(options.dir);
    const start: JournalPosition =
      saved !== undefined && segments.includes(saved.segment)
        ? saved
        : { segment: segments.find((s) => saved === undefined || s > saved.segment) ?? 0, offset: 0 };
    let backlog = 0;
    for (const s of segments) {
      if (s < start.segment) continue;
      backlog += await countRecords(
        join(options.dir, segmentName(s)),
        s === start.segment ? start.offset : 0,
      );
    }
    const n = (segments[segments.length - 1] ?? 0) + 1;
    const fh = await open(join(options.dir, segmentName(n)), "a");
    return new FileJournal(options, release, [...segments, n], { n, fh, size: 0 }, start, backlog);
  } catch (err) {
    release();
    throw err;
  }
}
