import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKeyring } from "../../src/config/kek.js";
import { ApiError } from "../../src/errors.js";
import { parseKeyring } from "../../src/secrets/envelope.js";
import { ProviderSecrets } from "../../src/secrets/provider-secrets.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";

const key = () => randomBytes(32).toString("base64");
const OLD = key();
const NEW = key();

describe("provider secrets", () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-secrets-"));
    store = openStore(`sqlite://${join(dir, "s.db")}`);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores only the sealed value and opens it for its own tenant", async () => {
    const secrets = new ProviderSecrets(store.secrets, parseKeyring(`k1:${OLD}`));
    const { created, meta } = await secrets.set("acme", "openai", "sk-acme-123");
    expect(created).toBe(true);
    expect(meta).toMatchObject({ tenantId: "acme", name: "openai", keyId: "k1" });
    const stored = await store.secrets.get("acme", "openai");
    expect(stored?.sealed).not.toContain("sk-acme");
    expect(await secrets.reveal("acme", "openai")).toBe("sk-acme-123");
    expect(await secrets.reveal("globex", "openai")).toBeUndefined();
  });

  it("does not open a sealed value copied into another tenant's row", async () => {
    const secrets = new ProviderSecrets(store.secrets, parseKeyring(`k1:${OLD}`));
    const acme = (await store.secrets.get("acme", "openai"))!;
    await store.secrets.put({ ...acme, tenantId: "globex" });
    await expect(secrets.reveal("globex", "openai")).rejects.toThrow();
    await store.secrets.delete("globex", "openai");
  });

  it("refuses values that cannot be a header value, and setting without a key", async () => {
    const secrets = new ProviderSecrets(store.secrets, parseKeyring(`k1:${OLD}`));
    for (const bad of ["", " sk", "sk\r\nx-evil: 1", "sk\u0000", "é", "x".repeat(4097)]) {
      await expect(secrets.set("acme", "bad", bad)).rejects.toMatchObject({
        code: "invalid_request",
        param: "value",
      });
    }
    await expect(secrets.set("acme", "../x", "sk")).rejects.toMatchObject({ param: "name" });
    const keyless = new ProviderSecrets(store.secrets, null);
    await expect(keyless.set("acme", "x", "sk")).rejects.toMatchObject({ code: "secrets_unavailable" });
    expect(await store.secrets.get("acme", "bad")).toBeUndefined();
  });

  it("re-encrypts older secrets under the current key and reports those it cannot", async () => {
    const before = new ProviderSecrets(store.secrets, parseKeyring(`k1:${OLD}`));
    await before.set("globex", "anthropic", "sk-globex");
    await store.secrets.put({
      ...(await store.secrets.get("globex", "anthropic"))!,
      name: "orphan",
      keyId: "k0",
      sealed: "v1.k0.a.b.c",
    });
    const after = new ProviderSecrets(store.secrets, parseKeyring(`k2:${NEW},k1:${OLD}`));
    const report = await after.rotate(1); // pages of one: the orphan must not stall it
    expect(report.resealed).toBe(2);
    expect(report.failed).toEqual([
      { tenantId: "globex", name: "orphan", reason: "key id k0 is not in the keyring" },
    ]);
    expect((await store.secrets.list("acme")).map((s) => s.keyId)).toEqual(["k2"]);
    // the old key can go now
    const onlyNew = new ProviderSecrets(store.secrets, parseKeyring(`k2:${NEW}`));
    expect(await onlyNew.reveal("acme", "openai")).toBe("sk-acme-123");
    expect(await onlyNew.reveal("globex", "anthropic")).toBe("sk-globex");
    expect((await after.rotate()).resealed).toBe(0);
  });
});

describe("key-encryption key loading", () => {
  it("reads TOLLGATE_KEK, or the file, which wins", async () => {
    expect((await loadKeyring({ cache_ttl_ms: 0 }, {})).ring).toBeNull();
    const fromEnv = await loadKeyring({ cache_ttl_ms: 0 }, { TOLLGATE_KEK: `a:${OLD},b:${NEW}` });
    expect(fromEnv.source).toBe("env");
    expect(fromEnv.ring?.current).toBe("a");
    const dir = mkdtempSync(join(tmpdir(), "tollgate-kek-"));
    try {
      writeFileSync(join(dir, "kek"), `f:${NEW}\n`);
      const fromFile = await loadKeyring(
        { kek_file: join(dir, "kek"), cache_ttl_ms: 0 },
        { TOLLGATE_KEK: `a:${OLD}` },
      );
      expect([fromFile.source, fromFile.ring?.current]).toEqual(["file", "f"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("explains a bad key without showing it", async () => {
    const short = randomBytes(16).toString("base64");
    const err = await loadKeyring({ cache_ttl_ms: 0 }, { TOLLGATE_KEK: `k:${short}` }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/TOLLGATE_KEK: key k is not 32 bytes/);
    expect((err as Error).message).not.toContain(short);
    expect(err).not.toBeInstanceOf(ApiError);
  });
});
