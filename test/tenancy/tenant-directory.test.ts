import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/auth/key-service.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import type { StoredTenant } from "../../src/store/tenant-port.js";
import { TenantDirectory } from "../../src/tenancy/tenant-directory.js";
import { buildSnapshot } from "../../src/tenancy/tenant-snapshot.js";
import { parseSpec } from "../../src/tenancy/tenant-spec.js";
import { eventually } from "../helpers/gateway.js";

const context = {
  models: new Map(),
  listPrices: new Map(),
  tierWeights: { gold: 4 },
  externalGuard: () => ({ check: async () => ({ allow: true }) }),
};

function directory(store: Store, events: string[] = []) {
  return new TenantDirectory({
    repository: store.tenants,
    pollMs: 20,
    build: (t: StoredTenant) => {
      const parsed = parseSpec(t.spec);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      return buildSnapshot(t.id, parsed.spec, t.status, context);
    },
    onRevision: () => events.push("revision"),
    onChange: (changed, removed) =>
      events.push(...changed.map((s) => `+${s.policy.id}`), ...removed.map((id) => `-${id}`)),
    onError: (_err, tenant) => events.push(`error:${tenant ?? "?"}`),
  });
}

describe("tenant directory", () => {
  let dir: string;
  let store: Store;
  const at = new Date();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-dir-"));
    store = openStore(`sqlite://${join(dir, "d.db")}`);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads every tenant, then only what changed, including deletes", async () => {
    await store.tenants.create("a", { spec: { tier: "gold", models_allowed: ["m"] }, managedBy: "api" }, at);
    const events: string[] = [];
    const d = directory(store, events);
    expect(await d.refresh()).toBe(true);
    expect(d.ids()).toEqual(["a"]);
    expect(d.weightOf("a")).toBe(4);
    expect(await d.refresh()).toBe(false); // nothing moved: one cheap read
    await store.tenants.update("a", { status: "suspended" }, at);
    await store.tenants.create(
      "b",
      { spec: { tier: "x", models_allowed: ["m"], weight: 3 }, managedBy: "api" },
      at,
    );
    events.length = 0;
    await d.refresh();
    expect(events).toEqual(["revision", "+a", "+b"]);
    expect(d.snapshot("a")!.status).toBe("suspended");
    expect(d.weightOf("b")).toBe(3);
    await store.tenants.delete("b", at);
    events.length = 0;
    await d.refresh();
    expect(events).toEqual(["revision", "-b"]);
    expect(d.get("b")).toBeUndefined();
  });

  it("tells the key cache when a key changes, and keeps a tenant's last good snapshot over a bad row", async () => {
    const events: string[] = [];
    const d = directory(store, events);
    await d.refresh();
    const { record } = await createApiKey(store.keys, "a");
    await store.keys.update("a", record.id, { revokedAt: at });
    events.length = 0;
    await d.refresh();
    expect(events).toEqual(["revision"]);
    await store.tenants.update("a", { spec: { tier: 7 } }, at);
    events.length = 0;
    await d.refresh();
    expect(events).toEqual(["error:a", "revision"]);
    expect(d.get("a")!.tier).toBe("gold");
  });

  it("polls: a change made through another store connection shows up without a call", async () => {
    const other = openStore(`sqlite://${join(dir, "d.db")}`);
    const d = directory(store);
    await d.refresh();
    d.start();
    try {
      await other.tenants.create("c", { spec: { tier: "x", models_allowed: ["m"] }, managedBy: "api" }, at);
      await eventually(() => d.get("c") !== undefined, 2000);
    } finally {
      await d.stop();
      await other.close();
    }
  });
});
