import type { LedgerRepository } from "../store/port.js";
import type { Journal } from "./journal/journal.js";
import { decodeEvent } from "./ledger-record.js";
import type { UsageEvent } from "./usage-event.js";

/** What the writer reports (metrics, logs). Must not throw. */
export interface LedgerEvents {
  /** A batch reached the store: `records` read from the journal, `inserted` new (the rest were there already). */
  onStored?(records: number, inserted: number): void;
  onWriteError?(err: unknown): void;
  /** A record that is not an event, or that the store refuses while it answers: kept aside. */
  onRejected?(line: string, reason: string): void;
}

/** What a batch of journal records came to in the store. */
export interface StoredRecords {
  /** Events new to the store (the rest were there already). */
  readonly inserted: number;
  /** Records that are not usage events (corrupt, unknown version): for quarantine. */
  readonly invalid: readonly string[];
}

/**
 * Where the ledger's batches go: journal records in, as they are. Decoding happens where the
 * store is written (the store-writes thread: the event loop neither parses nor copies events).
 */
export interface LedgerRecordsWriter {
  appendRecords(lines: readonly string[]): Promise<StoredRecords>;
}

/** A records writer over a ledger repository: decodes the records here and appends their events. */
export function decodingWriter(repository: Pick<LedgerRepository, "append">): LedgerRecordsWriter {
  return {
    appendRecords: async (lines) => {
      const { events, invalid } = decodeBatch(lines);
      return { inserted: events.length === 0 ? 0 : await repository.append(events), invalid };
    },
  };
}

export interface WriterOptions {
  readonly journal: Journal;
  readonly repository: LedgerRecordsWriter;
  /** Tells a refused batch (the store is up) from an outage; without it every failure is an outage. */
  readonly ping?: () => Promise<void>;
  readonly batchSize: number;
  readonly events?: LedgerEvents;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

/** Turns journal records into events, and lists the records that are not events. */
function decodeBatch(lines: readonly string[]): { events: UsageEvent[]; invalid: string[] } {
  const events: UsageEvent[] = [];
  const invalid: string[] = [];
  for (const line of lines) {
    const e = decodeEvent(line);
    if (e !== undefined) events.push(e);
    else invalid.push(line);
  }
  return { events, invalid };
}

export async function reject(line: string, reason: string, options: WriterOptions): Promise<void> {
  options.events?.onRejected?.(line, reason);
  await options.journal.quarantine(line).catch(() => undefined);
}

/**
 * Writes one batch: a single transaction. When the store answers a ping but keeps refusing the
 * batch, the records go one by one and those it refuses are quarantined, so one bad record cannot
 * stall the ledger. Throws when the store is unreachable (the caller retries the same batch).
 */
export async function writeBatch(
  lines: readonly string[],
  failures: number,
  options: WriterOptions,
): Promise<StoredRecords> {
  try {
    return await options.repository.appendRecords(lines);
  } catch (err) {
    if (failures < 2 || options.ping === undefined || lines.length === 0) throw err;
    await options.ping(); // throws during an outage: keep retrying the whole batch
  }
  let inserted = 0;
  const invalid: string[] = [];
  for (const line of lines) {
    try {
      const stored = await options.repository.appendRecords([line]);
      inserted += stored.inserted;
      invalid.push(...stored.invalid);
    } catch (err) {
      await options.ping();
      await reject(line, err instanceof Error ? err.message : String(err), options);
    }
  }
  return { inserted, invalid };
}
