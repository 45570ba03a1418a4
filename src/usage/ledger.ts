import type { JournalPosition } from "./journal/journal.js";
import { encodeEvent } from "./ledger-record.js";
import { backoffMs, decodeBatch, reject, writeBatch, type WriterOptions } from "./ledger-writer.js";
import type { UsageEvent, UsageSink } from "./usage-event.js";
import { FlushWaiters } from "./journal/flush-waiters.js";
import { Wakeup } from "./wakeup.js";

export type { LedgerEvents } from "./ledger-writer.js";

export interface LedgerOptions extends WriterOptions {
  /** Longest a partial batch waits for more records before it is written. */
  readonly batchIntervalMs: number;
  /** close(): how long to keep writing the journal's tail to the store before leaving it for the next start. */
  readonly drainTimeoutMs: number;
}

const DONE = Promise.resolve();
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The usage ledger, as a sink: each settled request is appended to the journal (durable before the
 * response ends, see UsageSink.durable), and a single writer replays the journal into the store in
 * order, in batches of one transaction each. At start it replays the tail a previous run left; while
 * the store is down, records wait in the journal and the same batch is retried with backoff.
 * Idempotent on request id, so a replayed record is never counted twice.
 */
export class Ledger implements UsageSink {
  private readonly durableOf = new WeakMap<UsageEvent, Promise<void>>();
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

  constructor(private readonly options: LedgerOptions) {
    this.position = options.journal.start;
    this.durableRecords = options.journal.backlogAtOpen;
    options.journal.onDurable((n) => {
      this.durableRecords += n;
      this.wake.notify();
    });
  }

  record(event: UsageEvent): void {
    this.appended++;
    this.durableOf.set(event, this.options.journal.append(encodeEvent(event)));
  }

  durable(event: UsageEvent): Promise<void> {
    return this.durableOf.get(event) ?? DONE;
  }

  /** Events in the journal that the store does not have yet. */
  get backlog(): number {
    return Math.max(0, this.options.journal.backlogAtOpen + this.appended - this.consumed);
  }

  /** Readiness problems: a failing journal, or store writes failing (with the backlog). */
  problems(): string[] {
    const out: string[] = [];
    const journal = this.options.journal.failure;
    if (journal !== null) out.push(`usage journal: ${journal.message}`);
    if (this.lastError !== null) {
      out.push(
        `usage ledger: ${this.backlog} events waiting in the journal (store: ${message(this.lastError)})`,
      );
    }
    return out;
  }

  /** Starts the writer (it first replays what an earlier run left in the journal). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once every event recorded so far is in the store; rejects after `timeoutMs`. */
  flush(timeoutMs = 30_000): Promise<void> {
    const target = this.options.journal.backlogAtOpen + this.appended;
    if (this.consumed >= target) return DONE;
    const waiting = this.flushes.wait(
      target,
      timeoutMs,
      () => new Error(`usage ledger: ${this.backlog} events not in the store after ${timeoutMs} ms`),
    );
    this.wake.notify();
    return waiting;
  }

  /** Drains to the store for up to drainTimeoutMs, stops the writer and closes the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.loop !== null) await this.flush(this.options.drainTimeoutMs).catch(() => undefined);
    this.stopping = true;
    this.wake.notify();
    await this.loop;
    await this.options.journal.close();
  }

  private get draining(): boolean {
    return this.flushes.pending;
  }

  private async run(): Promise<void> {
    const { journal, batchSize, batchIntervalMs } = this.options;
    let failures = 0;
    let partialSince: number | null = null;
    while (!this.stopping) {
      const batch = await journal.read(this.position, batchSize).catch((err: unknown) => {
        this.lastError = err;
        return null;
      });
      if (batch === null) {
        await this.pause(1000);
        continue;
      }
      if (batch.lines.length === 0) {
        partialSince = null;
        await this.wake.wait(1000);
        continue;
      }
      // a partial batch waits for company, unless it is an earlier run's tail or someone waits on it
      const replaying = this.consumed < journal.backlogAtOpen;
      if (batch.lines.length < batchSize && !this.draining && !replaying && failures === 0) {
        partialSince ??= Date.now();
        const until = partialSince + batchIntervalMs;
        if (Date.now() < until && this.unread() < batchSize) {
          while (!this.stopping && !this.draining && Date.now() < until && this.unread() < batchSize) {
            await this.wake.wait(until - Date.now());
          }
          continue; // read again: a fuller batch
        }
      }
      partialSince = null;
      const { events, invalid } = decodeBatch(batch);
      try {
        const inserted = await writeBatch(events, failures, this.options);
        failures = 0;
        this.lastError = null;
        this.position = batch.next;
        this.consumed += batch.lines.length;
        this.options.events?.onStored?.(events.length, inserted);
        for (const line of invalid) await reject(line, "not a usage event record", this.options);
        this.settleFlushes();
        await journal.checkpoint(batch.next).catch(() => undefined); // a lost checkpoint only means more replay
      } catch (err) {
        failures++;
        this.lastError = err;
        this.options.events?.onWriteError?.(err);
        await this.pause(backoffMs(failures, this.options));
      }
    }
  }

  private unread(): number {
    return this.durableRecords - this.consumed;
  }

  private settleFlushes(): void {
    this.flushes.settle(this.consumed);
  }

  /** Sleeps `ms` (new records do not cut it short; stopping does). */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) await this.wake.wait(until - Date.now());
  }
}
