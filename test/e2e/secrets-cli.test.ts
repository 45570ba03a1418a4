import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderSecrets } from "../../src/secrets/provider-secrets.js";
import { parseKeyring } from "../../src/secrets/envelope.js";
import { openStore } from "../../src/store/open.js";
import type { CliResult } from "../helpers/cli.js";

const OLD = `k1:${randomBytes(32).toString("base64")}`;
const NEW = `k2:${randomBytes(32).toString("base64")}`;
const VALUE = `sk-${randomBytes(12).toString("hex")}`;

/** The built CLI with its own environment and stdin. */
function cli(args: readonly string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["bin/tollgate.js", ...args],
      { timeout: 20_000, env: { PATH: process.env.PATH ?? "", ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? "");
  });
}

describe("tollgate secrets", () => {
  let dir: string;
  let config: string;
  const run = (args: string[], kek: string, stdin?: string) =>
    cli(["secrets", ...args, "--config", config], { TOLLGATE_KEK: kek }, stdin);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-secrets-cli-"));
    config = join(dir, "tollgate.yaml");
    writeFileSync(
      config,
      `storage: sqlite://${join(dir, "t.db")}\nmodels: { m: { upstreams: ["http://127.0.0.1:9"], pricing: free } }\n` +
        "tenants: { acme: { tier: free, models_allowed: [m] } }\n",
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("sets a secret from stdin, lists names only, rotates the key, deletes, and audits each change", async () => {
    const set = await run(["set", "--tenant", "acme", "--name", "openai"], OLD, `${VALUE}\n`);
    expect([set.code, set.stdout]).toEqual([0, "created secret openai of tenant acme (key k1)\n"]);
    const list = await run(["list", "--tenant", "acme", "--json"], OLD);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: "openai", key_id: "k1" }) as unknown,
    ]);
    for (const out of [set, list]) expect(out.stdout + out.stderr).not.toContain(VALUE);

    const rotate = await run(["rotate", "--json"], `${NEW},${OLD}`);
    expect([rotate.code, JSON.parse(rotate.stdout)]).toEqual([0, { key_id: "k2", resealed: 1, failed: [] }]);
    const store = openStore(`sqlite://${join(dir, "t.db")}`);
    try {
      // readable with the new key alone: the old one can be retired
      expect(await new ProviderSecrets(store.secrets, parseKeyring(NEW)).reveal("acme", "openai")).toBe(
        VALUE,
      );
      const del = await run(["delete", "--tenant", "acme", "--name", "openai"], NEW);
      expect(del.code).toBe(0);
      expect(await store.secrets.list("acme")).toEqual([]);
      const again = await run(["delete", "--tenant", "acme", "--name", "openai"], NEW);
      expect(again.code).toBe(1);
      const trail = await store.audit.query({ limit: 10 });
      expect(trail.map((r) => r.action).sort()).toEqual(["secret.delete", "secret.set", "secrets.rotate"]);
      expect(trail.every((r) => r.actor.startsWith("cli:"))).toBe(true);
      expect(JSON.stringify(trail)).not.toContain(VALUE);
    } finally {
      await store.close();
    }
    const verify = await cli(["audit", "verify", "--config", config], {});
    expect(verify.code).toBe(0);
  });

  it("refuses to set a secret without a key-encryption key, and explains a bad key without showing it", async () => {
    const noKey = await run(["set", "--tenant", "acme", "--name", "x"], "", "value");
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toMatch(/no key-encryption key/);
    const unknown = await run(["set", "--tenant", "acme-typo", "--name", "x"], OLD, "value");
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      expect.stringContaining('unknown tenant "acme-typo"'),
    ]);
    const badKey = await run(["list", "--tenant", "acme"], "k1:c2hvcnQ=");
    expect(badKey.code).not.toBe(0);
    expect(badKey.stderr).toMatch(/TOLLGATE_KEK: key k1 is not 32 bytes/);
  });
});
