import { JournalReplayer } from "./journal/journal-replayer.js";
import { encodeEvent } from "./ledger-record.js";
import { reject, writeBatch, type WriterOptions } from "./ledger-writer.js";
import type { UsageEvent, UsageSink } from "./usage-event.js";

export type { LedgerEvents, LedgerRecordsWriter } from "./ledger-writer.js";
export { decodingWriter } from "./ledger-writer.js";

export interface LedgerOptions extends WriterOptions {
  /** Longest a partial batch waits for more records before it is written. */
  readonly batchIntervalMs: number;
  /** close(): how long to keep writing the journal's tail to the store before leaving it for the next start. */
  readonly drainTimeoutMs: number;
}

const DONE = Promise.resolve();

/**
 * The usage ledger, as a sink: each settled request is appended to the journal (durable before the
 * response ends, see UsageSink.durable), and a single writer (JournalReplayer) replays the journal
 * into the store in order, in batches of one transaction each. At start it replays the tail a
 * previous run left; while the store is down, records wait in the journal and the same batch is
 * retried with backoff. Idempotent on request id, so a replayed record is never counted twice.
 */
export class Ledger implements UsageSink {
  private readonly durableOf = new WeakMap<UsageEvent, Promise<void>>();
  private readonly replayer: JournalReplayer<readonly string[]>;
  private closed = false;

  constructor(private readonly options: LedgerOptions) {
    this.replayer = new JournalReplayer({
      ...options,
      name: "usage ledger",
      unit: "events",
      onWriteError: (err) => options.events?.onWriteError?.(err),
    });
  }

  record(event: UsageEvent): void {
    this.replayer.appendedOne();
    this.durableOf.set(event, this.options.journal.append(encodeEvent(event)));
  }

  durable(event: UsageEvent): Promise<void> {
    return this.durableOf.get(event) ?? DONE;
  }

  /** Events in the journal that the store does not have yet. */
  get backlog(): number {
    return this.replayer.backlog;
  }

  /** Readiness problems: a failing journal, or store writes failing (with the backlog). */
  problems(): string[] {
    const out: string[] = [];
    const journal = this.options.journal.failure;
    if (journal !== null) out.push(`usage journal: ${journal.message}`);
    const writer = this.replayer.problem();
    if (writer !== null) out.push(writer);
    return out;
  }

  /** Starts the writer (it first replays what an earlier run left in the journal). */
  start(): void {
    this.replayer.start({
      prepare: (read) => Promise.resolve(read.lines),
      write: async (lines, failures) => {
        const { inserted, invalid } = await writeBatch(lines, failures, this.options);
        this.options.events?.onStored?.(lines.length - invalid.length, inserted);
        for (const line of invalid) await reject(line, "not a usage event record", this.options);
      },
    });
  }

  /** Resolves once every event recorded so far is in the store; rejects after `timeoutMs`. */
  flush(timeoutMs = 30_000): Promise<void> {
    return this.replayer.flush(timeoutMs);
  }

  /** Drains to the store for up to drainTimeoutMs, stops the writer and closes the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.replayer.drain();
    await this.replayer.stop();
  }
}
