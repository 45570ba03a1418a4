import { PostgresAdapter, sql, type Kysely, type Migration } from "kysely";

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

const ON = sql`current_setting('app.ledger_writer', true) = 'on'`;

/**
 * PostgreSQL: the usage ledger's writer stores a batch of many tenants' events in a few multi-row
 * statements instead of a scoped round trip per tenant. A transaction that sets
 * `app.ledger_writer = 'on'` (SET LOCAL, only the ledger's batch writes do) may insert and read
 * events and insert, read and update rollups of every tenant — never delete, never touch other
 * tables. Every other session stays under the tenant policies of migration 003.
 */
export const ledgerWriter: Migration = {
  async up(db: Kysely<unknown>) {
    if (!isPostgres(db)) return;
    for (const table of ["usage_events", "usage_records"]) {
      const t = sql.table(table);
      await sql`create policy ledger_writer_insert on ${t} for insert with check (${ON})`.execute(db);
      await sql`create policy ledger_writer_select on ${t} for select using (${ON})`.execute(db);
    }
    await sql`create policy ledger_writer_update on usage_records for update
      using (${ON}) with check (${ON})`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    if (!isPostgres(db)) return;
    await sql`drop policy ledger_writer_update on usage_records`.execute(db);
    for (const table of ["usage_events", "usage_records"]) {
      const t = sql.table(table);
      await sql`drop policy ledger_writer_select on ${t}`.execute(db);
      await sql`drop policy ledger_writer_insert on ${t}`.execute(db);
    }
  },
};
