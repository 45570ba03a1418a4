import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * Runs `fn` in a transaction that may read every tenant's rows of the tables whose policies allow it
 * (`app.all_tenants = 'on'`, SET LOCAL: it ends with the transaction). Only for work that is
 * platform-wide by nature: the audit writer, audit verification and export, platform admins' audit
 * queries, KEK rotation. On SQLite (no RLS) a plain transaction.
 */
export function acrossTenants<T>(
  db: Kysely<Database>,
  rls: boolean,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (rls) await seeAllTenants(trx);
    return fn(trx);
  });
}

/** Widens a transaction already under way to every tenant's rows (PostgreSQL; SET LOCAL). */
export async function seeAllTenants(trx: Transaction<Database>): Promise<void> {
  await sql`select set_config('app.all_tenants', 'on', true)`.execute(trx);
}

/** The usage ledger's batch writes only: every tenant's events and rollups (PostgreSQL, migration 007). */
export async function actAsLedgerWriter(trx: Transaction<Database>): Promise<void> {
  await sql`select set_config('app.ledger_writer', 'on', true)`.execute(trx);
}
