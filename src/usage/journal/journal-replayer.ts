import { FlushWaiters } from "./flush-waiters.js";
import type { Journal, JournalBatch, JournalPosition } from "./journal.js";
import { Wakeup } from "../wakeup.js";

/** What a replayer writes its batches with. */
export interface ReplayTarget<B> {
  /** Turns the journal's records into the batch to write (once per batch, not per attempt). */
  prepare(read: JournalBatch): Promise<B>;
  /**
   * Writes the batch (`failures`: attempts that failed before this one). Throws to have the same
   * batch tried again after a backoff; the journal's position moves on only once it returns.
   */
  write(batch: B, failures: number): Promise<void>;
}

export interface ReplayerOptions {
  readonly journal: Journal;
  readonly batchSize: number;
  /** Longest a partial batch waits for more records before it is written (group commit). */
  readonly batchIntervalMs: number;
  /** close(): how long to keep writing before leaving the journal's tail for the next start. */
  readonly drainTimeoutMs: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** For messages: "usage ledger", "events". */
  readonly name: string;
  readonly unit: string;
  onWriteError?(err: unknown): void;
}

const DONE = Promise.resolve();
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function backoffMs(
  failures: number,
  options: Pick<ReplayerOptions, "retryBaseMs" | "retryMaxMs">,
): number {
  const base = options.retryBaseMs ?? 100;
  return Math.min(options.retryMaxMs ?? 5000, base * 2 ** Math.min(failures - 1, 16));
}

/**
 * The writer behind a journal: one loop per journal that takes its durable records in order, in
 * batches (a partial batch waits up to batchIntervalMs for company, unless it is an earlier run's
 * tail or someone waits on a flush), writes each batch until it succeeds (the same batch, with
 * backoff) and checkpoints the journal after it. The usage ledger and the audit trail each drive one.
 */
export class JournalReplayer<B> {
  private readonly wake = new Wakeup();
  private readonly flushes = new FlushWaiters();
  private position: JournalPosition;
  private appended = 0;
  private durableRecords: number;
  private consumed = 0;
  private error: unknown = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  /** gather() is waiting for a partial batch to fill up. */
  private windowOpen = false;

  constructor(private readonly options: ReplayerOptions) {
    this.position = options.journal.start;
    this.durableRecords = options.journal.backlogAtOpen;
    options.journal.onDurable((n) => {
      this.durableRecords += n;
      // While a partial batch waits for company, only a full batch cuts the window short.
      if (!this.windowOpen || this.unread() >= options.batchSize) this.wake.notify();
    });
  }

  /** Counts one record appended to the journal (the backlog and flush targets count them). */
  appendedOne(): void {
    this.appended++;
  }

  /** Records in the journal that the target does not have yet. */
  get backlog(): number {
    return Math.max(0, this.options.journal.backlogAtOpen + this.appended - this.consumed);
  }

  /** While reading the journal or writing batches fails: what failed, with the backlog; else null. */
  problem(): string | null {
    if (this.error === null) return null;
    return `${this.options.name}: ${this.backlog} ${this.options.unit} waiting in the journal (store: ${message(this.error)})`;
  }

  start(target: ReplayTarget<B>): void {
    this.loop ??= this.run(target);
  }

  /** Resolves once every record appended so far is written; rejects after `timeoutMs`. */
  flush(timeoutMs = 30_000): Promise<void> {
    const target = this.options.journal.backlogAtOpen + this.appended;
    if (this.consumed >= target) return DONE;
    const waiting = this.flushes.wait(
      target,
      timeoutMs,
      () =>
        new Error(
          `${this.options.name}: ${this.backlog} ${this.options.unit} not in the store after ${timeoutMs} ms`,
        ),
    );
    this.wake.notify();
    return waiting;
  }

  /** Keeps writing for up to drainTimeoutMs (if started). */
  async drain(): Promise<void> {
    if (this.loop !== null) await this.flush(this.options.drainTimeoutMs).catch(() => undefined);
  }

  /** Stops the loop after the batch in hand and closes the journal. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wake.notify();
    await this.loop;
    await this.options.journal.close();
  }

  private async run(target: ReplayTarget<B>): Promise<void> {
    const { journal, batchSize } = this.options;
    let batch: { read: JournalBatch; prepared: B } | null = null;
    let failures = 0;
    while (!this.stopping) {
      if (batch === null) {
        if (!(await this.gather())) continue;
        const read = await journal.read(this.position, batchSize).catch((err: unknown) => {
          this.error = err;
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
        batch = { read, prepared: await target.prepare(read) };
      }
      try {
        await target.write(batch.prepared, failures);
      } catch (err) {
        failures++;
        this.error = err;
        this.options.onWriteError?.(err);
        await this.pause(backoffMs(failures, this.options));
        continue;
      }
      failures = 0;
      this.error = null;
      this.position = batch.read.next;
      this.consumed += batch.read.lines.length;
      batch = null;
      this.flushes.settle(this.consumed);
      await journal.checkpoint(this.position).catch(() => undefined); // a lost checkpoint only means more replay
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
    this.windowOpen = true;
    while (!replaying && !this.stopping && !this.flushes.pending && this.unread() < this.options.batchSize) {
      const left = until - Date.now();
      if (left <= 0) break;
      await this.wake.wait(left);
    }
    this.windowOpen = false;
    return true;
  }

  private unread(): number {
    return this.durableRecords - this.consumed;
  }

  /** Sleeps `ms` (new records do not cut it short; stopping does). */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) await this.wake.wait(until - Date.now());
  }
}
