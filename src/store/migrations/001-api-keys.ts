import type { Kysely, Migration } from "kysely";

export const apiKeys: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("api_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("tenant_id", "text", (c) => c.notNull())
      .addColumn("name", "text")
      .addColumn("key_hash", "text", (c) => c.notNull().unique())
      .addColumn("display_prefix", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("expires_at", "text")
      .addColumn("revoked_at", "text")
      .execute();
    await db.schema.createIndex("api_keys_tenant_idx").on("api_keys").column("tenant_id").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("api_keys").execute();
  },
};
