import { sql, type Transaction } from "kysely";
import { rollupDeltas, type RollupDelta } from "../../usage/rollup.js";
import type { UsageEvent } from "../../usage/usage-event.js";
import type { Database } from "./schema.js";
import { actAsLedgerWriter } from "./all-tenants.js";
import { chunks } from "./chunks.js";
import { toRollupRow, toRow } from "./usage-rows.js";

/**
 * Rows per statement (well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters). Small,
 * because better-sqlite3 runs each statement synchronously: where the writes run on the event loop
 * (`storage_write_thread: false`, an in-memory store) the writer yields between statements, so a
 * batch never blocks request handling for more than about a millisecond at a time.
 */
const ROWS_PER_STATEMENT = 50;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Each request id once (a journal may hold a record twice after a retried write). */
function unique(events: readonly UsageEvent[]): UsageEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    if (seen.has(e.requestId)) return false;
    seen.add(e.requestId);
    return true;
  });
}

async function upsertRollups(trx: Transaction<Database>, deltas: readonly RollupDelta[]): Promise<void> {
  await trx
    .insertInto("usage_records")
    .values(deltas.map(toRollupRow))
    .onConflict((oc) =>
      oc
        .columns(["tenant_id", "hour", "model", "price_input", "price_cached_input", "price_output"])
        .doUpdateSet({
          requests: sql<number>`usage_records.requests + excluded.requests`,
          errors: sql<number>`usage_records.errors + excluded.errors`,
          input_tokens: sql<number>`usage_records.input_tokens + excluded.input_tokens`,
          output_tokens: sql<number>`usage_records.output_tokens + excluded.output_tokens`,
          cached_tokens: sql<number>`usage_records.cached_tokens + excluded.cached_tokens`,
          cost_micros: sql<number>`usage_records.cost_micros + excluded.cost_micros`,
        }),
    )
    .execute();
}

/**
 * In one transaction: multi-row inserts that skip request ids already stored, then the rollups of
 * exactly the rows they inserted. Replaying a batch is therefore harmless: nothing is counted twice,
 * in the events or in the rollups. Returns the events it stored. On PostgreSQL the transaction acts
 * as the ledger's writer (`app.ledger_writer`, migration 007), so one statement carries many tenants'
 * rows.
 */
export async function appendEvents(
  trx: Transaction<Database>,
  rls: boolean,
  events: readonly UsageEvent[],
): Promise<UsageEvent[]> {
  if (rls) await actAsLedgerWriter(trx);
  const list = unique(events);
  const fresh = new Set<string>();
  for (const chunk of chunks(list, ROWS_PER_STATEMENT)) {
    await yieldToEventLoop();
    const rows = await trx
      .insertInto("usage_events")
      .values(chunk.map(toRow))
      .onConflict((oc) => oc.column("request_id").doNothing())
      .returning("request_id")
      .execute();
    for (const r of rows) fresh.add(r.request_id);
  }
  if (fresh.size === 0) return [];
  const stored = fresh.size === list.length ? list : list.filter((e) => fresh.has(e.requestId));
  for (const chunk of chunks(rollupDeltas(stored), ROWS_PER_STATEMENT)) {
    await yieldToEventLoop();
    await upsertRollups(trx, chunk);
  }
  return stored;
}
