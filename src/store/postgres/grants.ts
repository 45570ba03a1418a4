import { sql, type Kysely } from "kysely";
import type { Database } from "../sql/schema.js";

/**
 * What the gateway's runtime role needs, granted by the owner after each migration: rows of the
 * tenant-scoped tables (row-level security still limits them to one tenant per transaction), only
 * INSERT and SELECT on the audit trail, and
 * read access to the migration bookkeeping so that a start with nothing to migrate succeeds.
 */
export async function grantAppRole(db: Kysely<Database>, role: string): Promise<void> {
  const { rows } = await sql<{ owner: string; schema: string }>`
    select current_user as owner, current_schema() as schema`.execute(db);
  const me = rows[0];
  if (me === undefined || me.owner === role) return;
  const r = sql.id(role);
  await sql`grant usage on schema ${sql.id(me.schema)} to ${r}`.execute(db);
  await sql`grant select, insert, update, delete on api_keys, usage_events, usage_records to ${r}`.execute(
    db,
  );
  await sql`grant select on kysely_migration, kysely_migration_lock to ${r}`.execute(db);
  // Platform tables of the control plane (no tenant RLS: every replica reads every tenant's policy).
  await sql`grant select, insert, update, delete on tenants, admin_keys to ${r}`.execute(db);
  await sql`grant select, update on control_revision to ${r}`.execute(db);
  // The audit trail is append-only for the gateway: it may add records and read them, nothing else.
  await sql`revoke update, delete, truncate on audit_log from ${r}`.execute(db);
  await sql`grant select, insert on audit_log to ${r}`.execute(db);
  await sql`grant select, insert, update, delete on tenant_secrets to ${r}`.execute(db);
  await sql`grant execute on function tollgate_api_key_by_hash(text) to ${r}`.execute(db);
}
