import { sql, type Kysely, type Migration } from "kysely";

/**
 * The control plane: tenants in the store (the source of truth; config-as-code is applied into it),
 * one revision counter that every replica polls, admin API keys, and what API keys now carry (their
 * own limits, models and scopes, last use). `tenants`, `control_revision` and `admin_keys` are
 * platform tables: every replica needs every tenant's policy, so they are not under tenant
 * row-level security (the admin API scopes them by role instead). `api_keys` stays under RLS.
 */
export const tenants: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("tenants")
      .addColumn("id", "text", (c) => c.primaryKey())
      // The tenant's configuration (the `tenants.<id>` shape of the config, without api_keys), JSON.
      .addColumn("spec", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("managed_by", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      // Deleted tenants stay as tombstones so that every replica's incremental refresh sees the delete.
      .addColumn("deleted_at", "text")
      .addColumn("revision", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("tenants_revision_idx").on("tenants").column("revision").execute();

    await db.schema
      .createTable("control_revision")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("revision", "bigint", (c) => c.notNull())
      .execute();
    await sql`insert into control_revision (id, revision) values (1, 0)`.execute(db);

    await db.schema
      .createTable("admin_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text")
      .addColumn("key_hash", "text", (c) => c.notNull().unique())
      .addColumn("display_prefix", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("tenant_id", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text")
      .addColumn("expires_at", "text")
      .addColumn("revoked_at", "text")
      .execute();

    for (const column of ["rate_limits", "models_allowed", "scopes", "last_used_at"]) {
      await db.schema.alterTable("api_keys").addColumn(column, "text").execute();
    }
    await db.schema
      .alterTable("api_keys")
      .addColumn("managed_by", "text", (c) => c.notNull().defaultTo("api"))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const column of ["managed_by", "last_used_at", "scopes", "models_allowed", "rate_limits"]) {
      await db.schema.alterTable("api_keys").dropColumn(column).execute();
    }
    await db.schema.dropTable("admin_keys").execute();
    await db.schema.dropTable("control_revision").execute();
    await db.schema.dropTable("tenants").execute();
  },
};
