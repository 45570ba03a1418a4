import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/auth/key-service.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import { postgresAvailable, throwawayDatabase } from "../helpers/postgres.js";

interface Backend {
  name: string;
  available: boolean;
  open(): Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "sqlite",
    available: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "tollgate-store-"));
      return {
        store: openStore(`sqlite://${join(dir, "s.db")}`),
        cleanup: async () => rmSync(dir, { recursive: true }),
      };
    },
  },
  {
    name: "postgres",
    available: postgresAvailable,
    async open() {
      const db = await throwawayDatabase();
      return { store: openStore(db.url), cleanup: db.drop };
    },
  },
];

// One contract, every adapter, real databases.
describe.each(backends)("store contract: $name", (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (!backend.available) return;
    ({ store, cleanup } = await backend.open());
    await store.migrate();
  });
  afterAll(async () => {
    if (!backend.available) return;
    await store.close();
    await cleanup();
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
