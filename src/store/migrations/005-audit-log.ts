import { PostgresAdapter, sql, type Kysely, type Migration } from "kysely";

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * The audit trail: append-only, hash-chained records, one chain per gateway replica (chain, seq).
 * Append-only three times over: the runtime role is granted only INSERT and SELECT (postgres/grants.ts),
 * triggers refuse UPDATE, DELETE (and TRUNCATE) on both databases, and the hash chain makes any change
 * made anyway — by an owner who drops the triggers — visible to `tollgate audit verify`.
 *
 * PostgreSQL row-level security: a tenant-scoped transaction (`app.tenant_id`) sees only its tenant's
 * records; the writer and platform-wide reads (verify, export, platform admins) set
 * `app.all_tenants = 'on'` for their transaction.
 */
export const auditLog: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("audit_log")
      .addColumn("chain", "text", (c) => c.notNull())
      .addColumn("seq", "bigint", (c) => c.notNull())
      .addColumn("prev_hash", "text", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .addColumn("time", "text", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("tenant_id", "text")
      .addColumn("target", "text")
      .addColumn("source_ip", "text")
      .addColumn("data", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("audit_log_pk", ["chain", "seq"])
      .execute();
    await db.schema
      .createIndex("audit_log_tenant_time_idx")
      .on("audit_log")
      .columns(["tenant_id", "time"])
      .execute();
    await db.schema.createIndex("audit_log_time_idx").on("audit_log").column("time").execute();

    if (!isPostgres(db)) {
      for (const op of ["update", "delete"]) {
        await sql`create trigger ${sql.id(`audit_log_no_${op}`)} before ${sql.raw(op)} on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
      }
      return;
    }
    await sql`create function tollgate_audit_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only'; end $$`.execute(db);
    await sql`create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function tollgate_audit_append_only()`.execute(db);
    await sql`create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function tollgate_audit_append_only()`.execute(db);

    await sql`alter table audit_log enable row level security`.execute(db);
    await sql`alter table audit_log force row level security`.execute(db);
    await sql`create policy tenant_rows on audit_log for select
      using (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
    await sql`create policy all_tenants_read on audit_log for select
      using (current_setting('app.all_tenants', true) = 'on')`.execute(db);
    await sql`create policy writer_insert on audit_log for insert
      with check (current_setting('app.all_tenants', true) = 'on')`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("audit_log").execute();
    if (isPostgres(db)) await sql`drop function tollgate_audit_append_only()`.execute(db);
  },
};
