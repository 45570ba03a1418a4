import { PostgresAdapter, sql, type Kysely, type Migration } from "kysely";

const TENANT_TABLES = ["api_keys", "usage_events", "usage_records"] as const;

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * PostgreSQL row-level security on every tenant-scoped table: a session sees (and writes) only the
 * rows of the tenant named by `app.tenant_id`, which the app sets per transaction (SET LOCAL). FORCE
 * applies the policies to the tables' owner too; only superusers and BYPASSRLS roles escape them.
 * An API key row is also visible to a query that presents its hash (`app.key_hash`): that is how
 * authentication finds a key before it knows the tenant. SQLite has no RLS: nothing to do.
 */
export const rowLevelSecurity: Migration = {
  async up(db: Kysely<unknown>) {
    if (!isPostgres(db)) return;
    for (const table of TENANT_TABLES) {
      const t = sql.table(table);
      await sql`alter table ${t} enable row level security`.execute(db);
      await sql`alter table ${t} force row level security`.execute(db);
      await sql`create policy tenant_rows on ${t}
        using (tenant_id = current_setting('app.tenant_id', true))
        with check (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
    }
    await sql`create policy key_lookup on api_keys for select
      using (key_hash = current_setting('app.key_hash', true))`.execute(db);
    await sql`create function tollgate_api_key_by_hash(p_hash text) returns setof api_keys
      language plpgsql volatile as $$
      begin
        perform set_config('app.key_hash', p_hash, true);
        return query select * from api_keys where key_hash = p_hash;
      end $$`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    if (!isPostgres(db)) return;
    await sql`drop function tollgate_api_key_by_hash(text)`.execute(db);
    await sql`drop policy key_lookup on api_keys`.execute(db);
    for (const table of TENANT_TABLES) {
      const t = sql.table(table);
      await sql`drop policy tenant_rows on ${t}`.execute(db);
      await sql`alter table ${t} no force row level security`.execute(db);
      await sql`alter table ${t} disable row level security`.execute(db);
    }
  },
};
