import type { LedgerRepository } from "../store/port.js";
import type { Journal, JournalBatch } from "./journal/journal.js";
import { decodeEvent, encodeEvent } from "./ledger-record.js";
import type { UsageEvent } from "./usage-event.js";

/** What the writer reports (metrics, logs). Must not throw. */
export interface LedgerEvents {
  /** A batch reached the store: `records` read from the journal, `inserted` new (the rest were there already). */
  onStored?(records: number, inserted: number): void;
  onWriteError?(err: unknown): void;
  /** A record that is not an event, or that the store refuses while it answers: kept aside. */
  onRejected?(line: string, reason: string): void;
}

export interface WriterOptions {
  readonly journal: Journal;
  readonly repository: Pick<LedgerRepository, "append">;
  /** Tells a refused batch (the store is up) from an outage; without it every failure is an outage. */
  readonly ping?: () => Promise<void>;
  readonly batchSize: number;
  readonly events?: LedgerEvents;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

/** Turns journal records into events, and lists the records that are not events. */
export function decodeBatch(batch: JournalBatch): { events: UsageEvent[]; invalid: string[] } {
  const events: UsageEvent[] = [];
  const invalid: string[] = [];
  for (const line of batch.lines) {
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
 * batch, the events go one by one and those it refuses are quarantined, so one bad record cannot
 * stall the ledger. Throws when the store is unreachable (the caller retries the same batch).
 */
export async function writeBatch(
  events: readonly UsageEvent[],
  failures: number,
  options: WriterOptions,
): Promise<number> {
  try {
    return await options.repository.append(events);
  } catch (err) {
    if (failures < 2 || options.ping === undefined || events.length === 0) throw err;
    await options.ping(); // throws during an outage: keep retrying the whole batch
  }
  let inserted = 0;
  for (const e of events) {
    try {
      inserted += await options.repository.append([e]);
    } catch (err) {
      await options.ping();
      await reject(encodeEvent(e), err instanceof Error ? err.message : String(err), options);
    }
  }
  return inserted;
}
