import { PostgresAdapter, sql, type Kysely, type Migration } from "kysely";

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Tenants' provider secrets, sealed (AES-256-GCM under a key-encryption key, the tenant id as
 * authenticated data: see secrets/envelope.ts). `key_id` names the KEK, so a rotation finds what to
 * re-encrypt. PostgreSQL: row-level security per tenant like the other tenant tables; rotation lists
 * (tenant, name, key id) across tenants with `app.all_tenants = 'on'` (read only).
 */
export const tenantSecrets: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("tenant_secrets")
      .addColumn("tenant_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("sealed", "text", (c) => c.notNull())
      .addColumn("key_id", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("tenant_secrets_pk", ["tenant_id", "name"])
      .execute();
    await db.schema.createIndex("tenant_secrets_key_id_idx").on("tenant_secrets").column("key_id").execute();
    if (!isPostgres(db)) return;
    await sql`alter table tenant_secrets enable row level security`.execute(db);
    await sql`alter table tenant_secrets force row level security`.execute(db);
    await sql`create policy tenant_rows on tenant_secrets
      using (tenant_id = current_setting('app.tenant_id', true))
      with check (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
    await sql`create policy all_tenants_read on tenant_secrets for select
      using (current_setting('app.all_tenants', true) = 'on')`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("tenant_secrets").execute();
  },
};
