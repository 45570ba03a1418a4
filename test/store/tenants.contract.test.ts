import { describe, expect, it } from "vitest";
import { createApiKey } from "../../src/auth/key-service.js";
import type { Store } from "../../src/store/port.js";
import { backends, useBackend } from "./backends.js";

const AT = new Date("2026-11-25T12:00:00.000Z");
const spec = (tier: string) => ({ tier, models_allowed: ["m"] });

// The control plane's tables, every adapter, real databases (PostgreSQL as the non-owner runtime role).
describe.each(backends)("tenants, key lifecycle and admin keys: $name", (backend) => {
  let store: Store;

  useBackend(backend, async (opened) => {
    store = opened.store;
  });

  it.skipIf(!backend.available)(
    "creates, reads, lists and updates tenants, bumping the revision",
    async () => {
      const r0 = await store.tenants.revision();
      const a = await store.tenants.create("acme", { spec: spec("gold"), managedBy: "api" }, AT);
      expect(a).toMatchObject({ id: "acme", spec: spec("gold"), status: "active", managedBy: "api" });
      expect(a!.revision).toBeGreaterThan(r0);
      expect(await store.tenants.revision()).toBe(a!.revision);
      expect(await store.tenants.create("acme", { spec: spec("x"), managedBy: "api" }, AT)).toBeUndefined();
      await store.tenants.create("globex", { spec: spec("free"), managedBy: "config" }, AT);
      expect((await store.tenants.list()).map((t) => t.id)).toEqual(["acme", "globex"]);

      const later = new Date(AT.getTime() + 1000);
      const b = await store.tenants.update("acme", { status: "suspended" }, later, a!.revision);
      expect(b).toMatchObject({ status: "suspended", spec: spec("gold"), updatedAt: later });
      // a stale revision is refused (optimistic concurrency), and nothing changes
      expect(await store.tenants.update("acme", { spec: spec("y") }, later, a!.revision)).toBeUndefined();
      expect((await store.tenants.get("acme"))!.spec).toEqual(spec("gold"));
      expect(await store.tenants.update("nobody", { status: "active" }, later)).toBeUndefined();
      expect(await store.tenants.revision()).toBe(b!.revision);
      const changed = await store.tenants.changes(a!.revision);
      expect(changed.map((t) => [t.id, t.status])).toEqual([
        ["globex", "active"],
        ["acme", "suspended"],
      ]);
    },
  );

  it.skipIf(!backend.available)("deletes to a tombstone that revokes the tenant's keys", async () => {
    await store.tenants.create("doomed", { spec: spec("free"), managedBy: "api" }, AT);
    const key = await createApiKey(store.keys, "doomed");
    const other = await createApiKey(store.keys, "acme");
    const before = await store.tenants.revision();
    expect(await store.tenants.delete("doomed", AT)).toBe(true);
    expect(await store.tenants.delete("doomed", AT)).toBe(false);
    expect(await store.tenants.get("doomed")).toBeUndefined();
    const tomb = (await store.tenants.changes(before)).find((t) => t.id === "doomed");
    expect(tomb?.deletedAt).toEqual(AT);
    expect((await store.keys.findByHash(key.record.hash))!.revokedAt).toEqual(AT);
    expect((await store.keys.findByHash(other.record.hash))!.revokedAt).toBeNull();
    // the id may be used again; the old keys stay revoked
    const again = await store.tenants.create("doomed", { spec: spec("gold"), managedBy: "api" }, AT);
    expect(again).toMatchObject({ status: "active", deletedAt: null, spec: spec("gold") });
    expect((await store.keys.findByHash(key.record.hash))!.revokedAt).toEqual(AT);
  });

  it.skipIf(!backend.available)("lets exactly one of two concurrent creates of one id win", async () => {
    const results = await Promise.all(
      [1, 2].map((i) => store.tenants.create("race", { spec: spec(`t${i}`), managedBy: "api" }, AT)),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it.skipIf(!backend.available)("updates keys within their tenant only, bumping the revision", async () => {
    const { record } = await createApiKey(store.keys, "acme", {
      name: "ci",
      rateLimits: { requestsPerMinute: 5 },
      models: new Set(["m"]),
      scopes: new Set(["inference"]),
    });
    expect(await store.keys.get("acme", record.id)).toEqual(record);
    expect(await store.keys.get("globex", record.id)).toBeUndefined();
    expect(await store.keys.update("globex", record.id, { name: "x" })).toBeUndefined();
    const r0 = await store.tenants.revision();
    const grace = new Date(AT.getTime() + 60_000);
    const updated = await store.keys.update("acme", record.id, { revokedAt: grace, models: null });
    expect(updated).toMatchObject({
      revokedAt: grace,
      models: null,
      name: "ci",
      scopes: new Set(["inference"]),
    });
    expect(await store.tenants.revision()).toBe(r0 + 1);
    await store.keys.touch([{ tenantId: "acme", id: record.id, at: AT }]);
    expect((await store.keys.get("acme", record.id))!.lastUsedAt).toEqual(AT);
    expect(await store.tenants.revision()).toBe(r0 + 1);
  });

  it.skipIf(!backend.available)("stores admin keys by hash and revokes them", async () => {
    const base = {
      displayPrefix: "tga_abc",
      createdAt: AT,
      createdBy: "test",
      expiresAt: null,
      revokedAt: null,
    };
    await store.adminKeys.insert({
      ...base,
      id: "adm_1",
      name: "root",
      hash: "a".repeat(64),
      role: "platform_admin",
      tenantId: null,
    });
    await store.adminKeys.insert({
      ...base,
      id: "adm_2",
      name: "ops",
      hash: "b".repeat(64),
      role: "tenant_admin",
      tenantId: "acme",
    });
    expect(await store.adminKeys.findByHash("b".repeat(64))).toMatchObject({ id: "adm_2", tenantId: "acme" });
    expect((await store.adminKeys.list("acme")).map((k) => k.id)).toEqual(["adm_2"]);
    expect((await store.adminKeys.list()).map((k) => k.id)).toEqual(["adm_1", "adm_2"]);
    expect((await store.adminKeys.revoke("adm_2", AT))!.revokedAt).toEqual(AT);
    expect(await store.adminKeys.revoke("adm_9", AT)).toBeUndefined();
  });
});
