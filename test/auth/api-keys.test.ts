import { describe, expect, it } from "vitest";
import { ApiKeyAuthenticator, type KnownKey } from "../../src/auth/api-key-authenticator.js";
import { generateApiKey, hashApiKey, isWellFormedTollgateKey } from "../../src/auth/api-key-format.js";
import { createApiKey } from "../../src/auth/key-service.js";
import type { ApiKeyRecord, KeyRepository } from "../../src/store/port.js";

class MemoryKeys implements KeyRepository {
  readonly rows: ApiKeyRecord[] = [];
  lookups = 0;
  async insert(r: ApiKeyRecord) {
    this.rows.push(r);
  }
  async findByHash(hash: string) {
    this.lookups++;
    return this.rows.find((r) => r.hash === hash);
  }
  async listByTenant(t: string) {
    return this.rows.filter((r) => r.tenantId === t);
  }
}

describe("key format", () => {
  it("generates tg_ keys with 32 random base62 characters and a checksum", () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
    for (const k of keys) {
      expect(k).toMatch(/^tg_[0-9A-Za-z]{38}$/);
      expect(isWellFormedTollgateKey(k)).toBe(true);
    }
  });

  it("detects every single-character typo", () => {
    const key = generateApiKey();
    for (let i = 3; i < key.length; i++) {
      const typo = key.slice(0, i) + (key[i] === "x" ? "y" : "x") + key.slice(i + 1);
      expect(isWellFormedTollgateKey(typo)).toBe(false);
    }
  });
});

describe("API key authentication", () => {
  const configKey: KnownKey = {
    id: "cfg_acme_imported",
    tenantId: "acme-corp",
    name: "imported",
    hash: hashApiKey("sk-legacy-format-123"),
    expiresAt: null,
    revokedAt: null,
  };

  function setup(now = () => Date.parse("2026-11-25T12:00:00Z")) {
    const repo = new MemoryKeys();
    const auth = new ApiKeyAuthenticator({
      configKeys: [configKey],
      repository: repo,
      tenantExists: (id) => id !== "deleted-tenant",
      now,
      cacheTtlMs: 1000,
    });
    return { repo, auth };
  }

  it("accepts config keys of any format and store keys of Tollgate's", async () => {
    const { repo, auth } = setup();
    expect(await auth.authenticate("sk-legacy-format-123")).toMatchObject({
      ok: true,
      principal: { tenantId: "acme-corp", keyId: "cfg_acme_imported" },
    });
    const { key, record } = await createApiKey(repo, "startup-xyz", { name: "ci" });
    expect(await auth.authenticate(key)).toEqual({
      ok: true,
      principal: {
        tenantId: "startup-xyz",
        keyId: record.id,
        keyName: "ci",
        keyLimits: null,
        keyModels: null,
      },
    });
  });

  it("refuses missing, unknown, malformed, expired, revoked, orphaned and mismatched keys", async () => {
    const { repo, auth } = setup();
    const now = new Date("2026-11-25T12:00:00Z");
    const expired = await createApiKey(repo, "acme-corp", { expiresAt: new Date(now.getTime() - 1) });
    const orphan = await createApiKey(repo, "deleted-tenant");
    const revoked = await createApiKey(repo, "acme-corp");
    repo.rows[repo.rows.length - 1] = { ...revoked.record, revokedAt: now };
    const good = await createApiKey(repo, "acme-corp");
    const typo = good.key.slice(0, -1) + (good.key.endsWith("0") ? "1" : "0");
    const cases: [string | undefined, string | undefined, string][] = [
      [undefined, undefined, "missing"],
      ["", undefined, "missing"],
      ["sk-nope", undefined, "unknown"],
      [typo, undefined, "malformed"],
      [expired.key, undefined, "expired"],
      [revoked.key, undefined, "revoked"],
      [orphan.key, undefined, "unknown"],
      [good.key, "startup-xyz", "tenant_mismatch"],
    ];
    for (const [key, tenant, reason] of cases) {
      expect(await auth.authenticate(key, tenant), String(key)).toEqual({ ok: false, reason });
    }
    expect(await auth.authenticate(good.key, "acme-corp")).toMatchObject({ ok: true });
  });

  it("refuses a malformed key without touching the store, and caches store lookups briefly", async () => {
    let now = 0;
    const { repo, auth } = setup(() => now);
    const { key } = await createApiKey(repo, "acme-corp");
    await auth.authenticate(`${key.slice(0, -2)}zz`);
    expect(repo.lookups).toBe(0);
    await auth.authenticate(key);
    await auth.authenticate(key);
    expect(repo.lookups).toBe(1);
    now += 1001;
    await auth.authenticate(key);
    expect(repo.lookups).toBe(2);
  });

  it("refreshes an expired lookup in the background: the key in use answers from the cache, a change shows next", async () => {
    let now = 0;
    const { repo, auth } = setup(() => now);
    const { key, record } = await createApiKey(repo, "acme-corp");
    expect(await auth.authenticate(key)).toMatchObject({ ok: true });
    repo.rows[0] = { ...record, revokedAt: new Date(0) }; // changed behind the control revision's back
    now += 1001;
    expect(await auth.authenticate(key)).toMatchObject({ ok: true }); // stale answer; one refresh started
    expect(await auth.authenticate(key)).toEqual({ ok: false, reason: "revoked" });
    expect(repo.lookups).toBe(2);
    now += 1001 + 30_000; // unused for longer than the stale window: the lookup waits for the store
    repo.rows[0] = record;
    expect(await auth.authenticate(key)).toMatchObject({ ok: true });
    expect(repo.lookups).toBe(3);
  });
});

describe("API key authentication when the store is down", () => {
  it("answers 503 store_unavailable for store keys and keeps config keys working", async () => {
    const failing: KeyRepository = {
      insert: () => Promise.reject(new Error("down")),
      findByHash: () => Promise.reject(new Error("connection refused")),
      listByTenant: () => Promise.reject(new Error("down")),
    };
    const auth = new ApiKeyAuthenticator({
      configKeys: [
        {
          id: "cfg",
          tenantId: "acme",
          name: null,
          hash: hashApiKey("config-key"),
          expiresAt: null,
          revokedAt: null,
        },
      ],
      repository: failing,
      tenantExists: () => true,
    });
    await expect(auth.authenticate(generateApiKey())).rejects.toMatchObject({
      code: "store_unavailable",
      status: 503,
    });
    expect(await auth.authenticate("config-key")).toMatchObject({ ok: true });
  });
});
