import { JournalReplayer } from "../usage/journal/journal-replayer.js";
import type { Journal } from "../usage/journal/journal.js";
import type { AuditLog } from "./audit-log.js";
import type { AuditEntry } from "./chain.js";
import type { ChainWriter } from "./chain-writer.js";
import { decodeEntry, encodeEntry } from "./entry-codec.js";

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

/**
 * The audit trail: `record` appends the entry to a local journal (no await, no throw: a request never
 * waits for its audit record), and one writer per replica (JournalReplayer) takes the journal's
 * records in batches, links them into this replica's hash chain and stores each batch in one
 * transaction. While the store is down records wait in the journal, and the same batch is retried
 * with backoff; what an earlier run left in the journal is written at the next start.
 */
export class AuditTrail implements AuditLog {
  private readonly replayer: JournalReplayer<AuditEntry[]>;
  private closed = false;
  private lastAppend: Promise<void> = DONE;

  constructor(private readonly options: AuditTrailOptions) {
    this.replayer = new JournalReplayer({
      ...options,
      name: "audit trail",
      unit: "records",
      onWriteError: (err) => options.events?.onWriteError?.(err),
    });
  }

  /** This replica's chain id (it changes only if another writer is found on it). */
  get chain(): string {
    return this.options.writer.id;
  }

  record(entry: AuditEntry): void {
    if (this.closed) return;
    this.replayer.appendedOne();
    this.lastAppend = this.options.journal.append(encodeEntry(entry));
  }

  /** Resolves once every record so far is in the journal (appends become durable in order). */
  durable(): Promise<void> {
    return this.lastAppend;
  }

  /** Records not in the store yet. */
  get backlog(): number {
    return this.replayer.backlog;
  }

  problems(): string[] {
    const out: string[] = [];
    const failure = this.options.journal.failure;
    if (failure !== null) out.push(`audit journal: ${failure.message}`);
    const writer = this.replayer.problem();
    if (writer !== null) out.push(writer);
    return out;
  }

  start(): void {
    this.replayer.start({
      prepare: (read) => this.decode(read.lines),
      write: async (entries) => {
        await this.options.writer.write(entries);
        this.options.events?.onStored?.(entries.length);
      },
    });
  }

  /** Resolves once everything recorded so far is stored; rejects after `timeoutMs`. */
  flush(timeoutMs = 30_000): Promise<void> {
    return this.replayer.flush(timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.replayer.drain();
    this.closed = true;
    await this.replayer.stop();
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
}
