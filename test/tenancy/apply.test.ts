import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { createApiKey } from "../../src/auth/key-service.js";
import { tenantSchema, type TenantConfig } from "../../src/config/schema.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import { ApplyConflict, applyTenants, formatPlan } from "../../src/tenancy/apply-tenants.js";

const tenantsOf = (raw: unknown): Record<string, TenantConfig> =>
  z.record(z.string(), tenantSchema).parse(raw);
const quotas = () =>
  tenantsOf((parse(readFileSync("examples/quotas.yaml", "utf8")) as { tenants: unknown }).tenants);

describe("apply: config-as-code into the store", () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-apply-"));
    store = openStore(`sqlite://${join(dir, "a.db")}`);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates the seed's tenants, and applying again changes nothing", async () => {
    const dry = await applyTenants(store, quotas(), { dryRun: true });
    expect(dry.tenants.map((p) => [p.id, p.action])).toEqual([
      ["acme-corp", "create"],
      ["startup-xyz", "create"],
      ["internal-dev", "create"],
    ]);
    expect(await store.tenants.list()).toEqual([]); // a dry run writes nothing
    const first = await applyTenants(store, quotas());
    expect(first.changes).toBe(3);
    const again = await applyTenants(store, quotas());
    expect(again.changes).toBe(0);
    expect(again.tenants.every((p) => p.action === "unchanged")).toBe(true);
    const revision = await store.tenants.revision();
    await applyTenants(store, quotas());
    expect(await store.tenants.revision()).toBe(revision); // not even the revision moves
  });

  it("prints a field-level diff, and keeps a suspension (operational state, not configuration)", async () => {
    await store.tenants.update("startup-xyz", { status: "suspended" }, new Date());
    const changed = quotas();
    changed["startup-xyz"] = tenantSchema.parse({
      ...changed["startup-xyz"],
      rate_limits: { ...changed["startup-xyz"]!.rate_limits, requests_per_minute: 120 },
    });
    const plan = await applyTenants(store, changed);
    expect(plan.tenants.find((p) => p.id === "startup-xyz")).toMatchObject({
      action: "update",
      diff: [{ path: "rate_limits.requests_per_minute", before: 60, after: 120 }],
    });
    expect(formatPlan(plan)).toContain("    rate_limits.requests_per_minute: 60 → 120");
    const stored = await store.tenants.get("startup-xyz");
    expect(stored).toMatchObject({
      status: "suspended",
      spec: { rate_limits: { requests_per_minute: 120 } },
    });
  });

  it("syncs keys declared by hash: created, updated, revoked when dropped, never revived", async () => {
    const t = quotas();
    const withKeys = (keys: unknown[]) =>
      tenantsOf({ ...t, "internal-dev": { ...t["internal-dev"], api_keys: keys } });
    const a = { sha256: hashApiKey("key-a"), name: "a" };
    const b = { sha256: hashApiKey("key-b"), name: "b" };
    let plan = await applyTenants(store, withKeys([a, b]));
    expect(plan.tenants.find((p) => p.id === "internal-dev")!.keys.map((k) => k.action)).toEqual([
      "create",
      "create",
    ]);
    expect(await store.keys.findByHash(a.sha256)).toMatchObject({
      id: "cfg_internal-dev_a",
      managedBy: "config",
    });

    plan = await applyTenants(store, withKeys([{ ...a, rate_limits: { requests_per_minute: 5 } }]));
    const keys = plan.tenants.find((p) => p.id === "internal-dev")!.keys;
    expect(keys).toMatchObject([
      { action: "update", fields: ["rateLimits"] },
      { action: "revoke", id: "cfg_internal-dev_b" },
    ]);
    expect((await store.keys.findByHash(b.sha256))!.revokedAt).not.toBeNull();
    expect(
      (await applyTenants(store, withKeys([{ ...a, rate_limits: { requests_per_minute: 5 } }]))).changes,
    ).toBe(0);

    // declaring a revoked key again does not bring it back
    plan = await applyTenants(store, withKeys([{ ...a, rate_limits: { requests_per_minute: 5 } }, b]));
    expect(plan.tenants.find((p) => p.id === "internal-dev")!.notes[0]).toMatch(
      /revoked in the store and stays revoked/,
    );
    expect((await store.keys.findByHash(b.sha256))!.revokedAt).not.toBeNull();
    // keys made through the API are not config-as-code's to revoke
    const api = await createApiKey(store.keys, "internal-dev");
    await applyTenants(store, withKeys([]));
    expect((await store.keys.findByHash(api.record.hash))!.revokedAt).toBeNull();
  });

  it("adopts a tenant created through the API, and deletes dropped tenants only with prune", async () => {
    await store.tenants.create(
      "side",
      { spec: { tier: "x", models_allowed: ["m"] }, managedBy: "api" },
      new Date(),
    );
    const spec = tenantSchema.parse({ tier: "y", models_allowed: ["m"] });
    const adopt = await applyTenants(store, { ...quotas(), side: spec });
    expect(adopt.tenants.find((p) => p.id === "side")!.action).toBe("adopt");
    expect((await store.tenants.get("side"))!.managedBy).toBe("config");

    const kept = await applyTenants(store, quotas());
    expect(kept.tenants.find((p) => p.id === "side")).toMatchObject({ action: "orphan" });
    expect(await store.tenants.get("side")).toBeDefined();
    const pruned = await applyTenants(store, quotas(), { prune: true });
    expect(pruned.tenants.find((p) => p.id === "side")).toMatchObject({ action: "delete" });
    expect(await store.tenants.get("side")).toBeUndefined();
  });

  it("refuses a key that belongs to another tenant", async () => {
    const theirs = await createApiKey(store.keys, "acme-corp");
    const t = quotas();
    const stolen = tenantsOf({
      ...t,
      "internal-dev": { ...t["internal-dev"], api_keys: [{ sha256: theirs.record.hash }] },
    });
    await expect(applyTenants(store, stolen)).rejects.toBeInstanceOf(ApplyConflict);
  });
});
