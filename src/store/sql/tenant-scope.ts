import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * Limits a PostgreSQL transaction to one tenant's rows: row-level security reads `app.tenant_id`.
 * `set_config(…, true)` is SET LOCAL: it ends with the transaction, so pooled connections (and
 * PgBouncer in transaction mode) never carry one tenant's setting into another's work.
 */
async function setTenant(trx: Transaction<Database>, tenantId: string): Promise<void> {
  await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(trx);
}

/** Runs `fn` in a transaction scoped to `tenantId` (PostgreSQL RLS); on SQLite a plain transaction. */
export function inTenant<T>(
  db: Kysely<Database>,
  rls: boolean,
  tenantId: string,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (rls) await setTenant(trx, tenantId);
    return fn(trx);
  });
}
