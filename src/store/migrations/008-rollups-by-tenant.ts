import { PostgresAdapter, sql, type Kysely, type Migration } from "kysely";

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

const COLUMNS = sql`tenant_id text not null, hour text not null, model text not null,
  price_input integer not null, price_cached_input integer not null, price_output integer not null,
  requests bigint not null, errors bigint not null, input_tokens bigint not null,
  output_tokens bigint not null, cached_tokens bigint not null, cost_micros bigint not null,
  constraint usage_records_pk primary key
    (tenant_id, hour, model, price_input, price_cached_input, price_output)`;

/**
 * SQLite: the hourly rollups are stored in their primary key's order (WITHOUT ROWID), so a tenant's
 * month is one contiguous range of pages. In a rowid table the rows sit in insertion order, every
 * tenant's hours interleaved: a month's invoice read ~2,900 rows from as many pages, each a random
 * read when the file is not in the page cache (~0.2–0.4 s on a cold cache over 10 million events,
 * against a few milliseconds now). PostgreSQL keeps its heap table (its reads go through shared
 * buffers; see docs/postgres.md).
 */
export const rollupsByTenant: Migration = {
  async up(db: Kysely<unknown>) {
    if (isPostgres(db)) return;
    await sql`create table usage_records_by_tenant (${COLUMNS}) without rowid`.execute(db);
    await sql`insert into usage_records_by_tenant select tenant_id, hour, model, price_input,
      price_cached_input, price_output, requests, errors, input_tokens, output_tokens, cached_tokens,
      cost_micros from usage_records`.execute(db);
    await sql`drop table usage_records`.execute(db);
    await sql`alter table usage_records_by_tenant rename to usage_records`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    if (isPostgres(db)) return;
    await sql`create table usage_records_rowid (${COLUMNS})`.execute(db);
    await sql`insert into usage_records_rowid select * from usage_records`.execute(db);
    await sql`drop table usage_records`.execute(db);
    await sql`alter table usage_records_rowid rename to usage_records`.execute(db);
  },
};
