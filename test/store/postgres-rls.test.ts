import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/auth/key-service.js";
import { migrateStorage, openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import { postgresAvailable, throwawayDatabase, throwawayRole } from "../helpers/postgres.js";
import { usageEvent } from "../usage/events.js";

// Row-level security: the gateway's role reads only the tenant named by app.tenant_id, whatever the SQL says.
describe.skipIf(!postgresAvailable)("PostgreSQL row-level security", () => {
  let db: Awaited<ReturnType<typeof throwawayDatabase>>;
  let role: Awaited<ReturnType<typeof throwawayRole>>;
  let store: Store;
  let app: pg.Client;
  let acmeKeyHash: string;

  beforeAll(async () => {
    db = await throwawayDatabase();
    role = await throwawayRole(db.url);
    store = openStore(role.url);
    await migrateStorage({ storage: role.url, storage_admin: db.url }, store);
    await store.ledger.append([
      usageEvent({ requestId: "a1", tenantId: "acme" }),
      usageEvent({ requestId: "a2", tenantId: "acme" }),
      usageEvent({ requestId: "g1", tenantId: "globex" }),
    ]);
    acmeKeyHash = (await createApiKey(store.keys, "acme")).record.hash;
    await createApiKey(store.keys, "globex");
    app = new pg.Client({ connectionString: role.url });
    await app.connect();
  });
  afterAll(async () => {
    await app?.end();
    await store?.close();
    await db?.drop();
    await role?.drop();
  });

  const count = async (table: string) =>
    Number((await app.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n);

  it("shows a query without any WHERE clause no rows at all when no tenant is set", async () => {
    expect(await count("usage_events")).toBe(0);
    expect(await count("usage_records")).toBe(0);
    expect(await count("api_keys")).toBe(0);
  });

  it("shows a deliberately unscoped query only the scoped tenant's rows", async () => {
    await app.query("begin");
    try {
      await app.query("select set_config('app.tenant_id', 'acme', true)");
      const { rows } = await app.query<{ request_id: string; tenant_id: string }>(
        "select request_id, tenant_id from usage_events order by request_id",
      );
      expect(rows).toEqual([
        { request_id: "a1", tenant_id: "acme" },
        { request_id: "a2", tenant_id: "acme" },
      ]);
      expect(await count("api_keys")).toBe(1);
      const records = await app.query<{ tenant_id: string }>("select distinct tenant_id from usage_records");
      expect(records.rows).toEqual([{ tenant_id: "acme" }]);
    } finally {
      await app.query("rollback");
    }
    // SET LOCAL ended with the transaction: the pooled connection carries nothing over
    expect(await count("usage_events")).toBe(0);
  });

  it("refuses to write a row of another tenant than the scoped one", async () => {
    await app.query("begin");
    try {
      await app.query("select set_config('app.tenant_id', 'acme', true)");
      await expect(
        app.query("update usage_records set requests = requests + 1 where tenant_id = 'globex'"),
      ).resolves.toMatchObject({ rowCount: 0 });
      await expect(
        app.query(
          "insert into api_keys (id, tenant_id, key_hash, display_prefix, created_at) values ('x', 'globex', 'h', 'p', 'now')",
        ),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await app.query("rollback");
    }
  });

  it("lets the ledger's writer add any tenant's usage in one statement, and nothing more", async () => {
    await app.query("begin");
    try {
      await app.query("select set_config('app.ledger_writer', 'on', true)");
      await expect(
        app.query("select distinct tenant_id from usage_events order by 1"),
      ).resolves.toMatchObject({
        rows: [{ tenant_id: "acme" }, { tenant_id: "globex" }],
      });
      await expect(app.query("delete from usage_events")).resolves.toMatchObject({ rowCount: 0 });
      await expect(app.query("delete from usage_records")).resolves.toMatchObject({ rowCount: 0 });
      expect(await count("api_keys")).toBe(0); // other tables keep their tenant policies
    } finally {
      await app.query("rollback");
    }
    expect(await count("usage_events")).toBe(0); // SET LOCAL: gone with the transaction
  });

  it("lets authentication find exactly the presented key, and nothing else, before it knows the tenant", async () => {
    const found = await store.keys.findByHash(acmeKeyHash);
    expect(found?.tenantId).toBe("acme");
    const { rows } = await app.query("select * from tollgate_api_key_by_hash($1)", ["0".repeat(64)]);
    expect(rows).toEqual([]);
    expect(await count("api_keys")).toBe(0); // the lookup's setting did not outlive its statement
  });

  it("runs the app as a role that owns nothing: it can neither change the schema nor lift the policies", async () => {
    await expect(app.query("alter table usage_events disable row level security")).rejects.toThrow(/owner/);
    await expect(app.query("drop table usage_records")).rejects.toThrow(/owner/);
    await store.migrate(); // nothing pending: a start as the app role succeeds
  });
});
