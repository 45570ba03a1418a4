import pg from "pg";
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/port.js";
import type { StoredSecret } from "../../src/store/secret-port.js";
import { backends, useBackend } from "./backends.js";

const at = (min: number) => new Date(Date.UTC(2026, 10, 25, 10, min));
const secret = (tenantId: string, name: string, sealed: string, keyId = "k1", min = 0): StoredSecret => ({
  tenantId,
  name,
  sealed,
  keyId,
  createdAt: at(min),
  updatedAt: at(min),
});

describe.each(backends)("secrets store contract: $name", (backend) => {
  let store: Store;
  let appUrl: string | undefined;

  useBackend(backend, async (opened) => {
    store = opened.store;
    appUrl = opened.appUrl;
    expect(await store.secrets.put(secret("acme", "openai", "sealed-a1"))).toBe(true);
    expect(await store.secrets.put(secret("acme", "anthropic", "sealed-a2", "k0"))).toBe(true);
    expect(await store.secrets.put(secret("globex", "openai", "sealed-g1", "k0"))).toBe(true);
  });

  it.skipIf(!backend.available)("keeps each tenant's secrets apart", async () => {
    expect((await store.secrets.get("acme", "openai"))?.sealed).toBe("sealed-a1");
    expect((await store.secrets.get("globex", "openai"))?.sealed).toBe("sealed-g1");
    expect(await store.secrets.get("globex", "anthropic")).toBeUndefined();
    expect((await store.secrets.list("acme")).map((s) => s.name)).toEqual(["anthropic", "openai"]);
    expect(await store.secrets.list("initech")).toEqual([]);
  });

  it.skipIf(!backend.available)("lists metadata only, never the sealed value", async () => {
    const [first] = await store.secrets.list("globex");
    expect(first).toEqual({
      tenantId: "globex",
      name: "openai",
      keyId: "k0",
      createdAt: at(0),
      updatedAt: at(0),
    });
    expect(JSON.stringify(await store.secrets.list("acme"))).not.toContain("sealed-");
  });

  it.skipIf(!backend.available)("replaces a secret, keeping when it was created", async () => {
    expect(await store.secrets.put(secret("acme", "openai", "sealed-a1b", "k1", 5))).toBe(false);
    const got = await store.secrets.get("acme", "openai");
    expect(got).toMatchObject({ sealed: "sealed-a1b", createdAt: at(0), updatedAt: at(5) });
  });

  it.skipIf(!backend.available)(
    "finds secrets sealed with other keys across tenants, and reseals only unchanged ones",
    async () => {
      const stale = await store.secrets.sealedWithOtherKeys("k1", 10);
      expect(stale.map((s) => `${s.tenantId}/${s.name}`)).toEqual(["acme/anthropic", "globex/openai"]);
      const g = stale[1]!;
      expect(
        await store.secrets.reseal({ ...g, sealed: "sealed-g1-k1", keyId: "k1" }, "not-what-is-there"),
      ).toBe(false);
      expect(await store.secrets.reseal({ ...g, sealed: "sealed-g1-k1", keyId: "k1" }, g.sealed)).toBe(true);
      expect(await store.secrets.get("globex", "openai")).toMatchObject({
        sealed: "sealed-g1-k1",
        keyId: "k1",
      });
      expect((await store.secrets.sealedWithOtherKeys("k1", 10)).map((s) => s.name)).toEqual(["anthropic"]);
    },
  );

  it.skipIf(!backend.available)("deletes one tenant's secret only", async () => {
    await store.secrets.put(secret("globex", "tmp", "x"));
    expect(await store.secrets.delete("acme", "tmp")).toBe(false);
    expect(await store.secrets.delete("globex", "tmp")).toBe(true);
    expect(await store.secrets.get("globex", "tmp")).toBeUndefined();
  });

  it.skipIf(!backend.available)(
    "go with their tenant: a tenant recreated with the same id has none",
    async () => {
      const spec = { tier: "free", models_allowed: ["m"] };
      await store.tenants.create("doomed", { spec, managedBy: "api" }, at(0));
      await store.secrets.put(secret("doomed", "openai", "sealed-d"));
      expect(await store.tenants.delete("doomed", at(1))).toBe(true);
      expect(await store.secrets.list("doomed")).toEqual([]);
      await store.tenants.create("doomed", { spec, managedBy: "api" }, at(2));
      expect(await store.secrets.get("doomed", "openai")).toBeUndefined();
    },
  );

  // PostgreSQL only (SQLite has no row-level security): registered for that backend alone.
  if (backend.name === "postgres")
    it.skipIf(!backend.available)(
      "row-level security: a tenant-scoped session sees and changes only its own secrets",
      async () => {
        const app = new pg.Client({ connectionString: appUrl });
        await app.connect();
        try {
          expect((await app.query("select * from tenant_secrets")).rows).toEqual([]);
          await app.query("begin");
          await app.query("select set_config('app.tenant_id', 'globex', true)");
          const rows = await app.query<{ tenant_id: string }>("select tenant_id from tenant_secrets");
          expect(new Set(rows.rows.map((r) => r.tenant_id))).toEqual(new Set(["globex"]));
          const upd = await app.query("update tenant_secrets set sealed = 'x' where tenant_id = 'acme'");
          expect(upd.rowCount).toBe(0);
          await app.query("rollback");
        } finally {
          await app.end();
        }
      },
    );
});
