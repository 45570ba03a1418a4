import type { Kysely, Migration } from "kysely";

/** The usage ledger: one row per request, and hourly rollups maintained with it. */
export const usageLedger: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("usage_events")
      .addColumn("request_id", "text", (c) => c.primaryKey())
      .addColumn("tenant_id", "text", (c) => c.notNull())
      .addColumn("time", "text", (c) => c.notNull())
      .addColumn("key_id", "text")
      .addColumn("user_id", "text")
      .addColumn("feature", "text")
      .addColumn("endpoint", "text", (c) => c.notNull())
      .addColumn("model", "text")
      .addColumn("served_model", "text")
      .addColumn("model_version", "text")
      .addColumn("upstream", "text")
      .addColumn("input_tokens", "integer", (c) => c.notNull())
      .addColumn("output_tokens", "integer", (c) => c.notNull())
      .addColumn("cached_tokens", "integer", (c) => c.notNull())
      .addColumn("cost_micros", "bigint", (c) => c.notNull())
      .addColumn("price_input", "integer", (c) => c.notNull())
      .addColumn("price_cached_input", "integer", (c) => c.notNull())
      .addColumn("price_output", "integer", (c) => c.notNull())
      .addColumn("latency_ms", "double precision", (c) => c.notNull())
      .addColumn("ttft_ms", "double precision")
      .addColumn("status", "integer", (c) => c.notNull())
      .addColumn("error_code", "text")
      .addColumn("finish_reason", "text")
      .addColumn("stream", "integer", (c) => c.notNull())
      .addColumn("client_aborted", "integer", (c) => c.notNull())
      .addColumn("cache_hit", "integer", (c) => c.notNull())
      .addColumn("prompt_version", "text")
      .addColumn("blocked_by", "text")
      .execute();
    await db.schema
      .createIndex("usage_events_tenant_time_idx")
      .on("usage_events")
      .columns(["tenant_id", "time"])
      .execute();

    await db.schema
      .createTable("usage_records")
      .addColumn("tenant_id", "text", (c) => c.notNull())
      .addColumn("hour", "text", (c) => c.notNull())
      .addColumn("model", "text", (c) => c.notNull())
      .addColumn("price_input", "integer", (c) => c.notNull())
      .addColumn("price_cached_input", "integer", (c) => c.notNull())
      .addColumn("price_output", "integer", (c) => c.notNull())
      .addColumn("requests", "bigint", (c) => c.notNull())
      .addColumn("errors", "bigint", (c) => c.notNull())
      .addColumn("input_tokens", "bigint", (c) => c.notNull())
      .addColumn("output_tokens", "bigint", (c) => c.notNull())
      .addColumn("cached_tokens", "bigint", (c) => c.notNull())
      .addColumn("cost_micros", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("usage_records_pk", [
        "tenant_id",
        "hour",
        "model",
        "price_input",
        "price_cached_input",
        "price_output",
      ])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("usage_records").execute();
    await db.schema.dropTable("usage_events").execute();
  },
};
