import { describe, expect, it } from "vitest";
import { createApiKey } from "../../src/auth/key-service.js";
import type { Store } from "../../src/store/port.js";
import { backends, useBackend } from "./backends.js";

// One contract, every adapter, real databases.
describe.each(backends)("store contract: $name", (backend) => {
  let store: Store;

  useBackend(backend, async (opened) => {
    store = opened.store;
  });

  it.skipIf(!backend.available)("migrates idempotently and answers ping", async () => {
    await store.migrate();
    await store.ping();
  });

  it.skipIf(!backend.available)("stores keys by hash only and finds them again", async () => {
    const expiresAt = new Date("2031-05-06T07:08:09.000Z");
    const { key, record } = await createApiKey(store.keys, "acme-corp", { name: "ci", expiresAt });
    const found = await store.keys.findByHash(record.hash);
    expect(found).toEqual(record);
    expect(JSON.stringify(found)).not.toContain(key);
    expect(await store.keys.findByHash("0".repeat(64))).toBeUndefined();
  });

  it.skipIf(!backend.available)("lists a tenant's keys and only that tenant's", async () => {
    await createApiKey(store.keys, "startup-xyz", { name: "a" });
    await createApiKey(store.keys, "startup-xyz", { name: "b" });
    const rows = await store.keys.listByTenant("startup-xyz");
    expect(rows.map((r) => r.name).sort()).toEqual(["a", "b"]);
    expect(rows.every((r) => r.tenantId === "startup-xyz")).toBe(true);
  });

  it.skipIf(!backend.available)("refuses a duplicate hash", async () => {
    const { record } = await createApiKey(store.keys, "acme-corp");
    await expect(store.keys.insert({ ...record, id: "other" })).rejects.toThrow();
  });
});
