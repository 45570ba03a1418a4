import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { startSimulator, type RunningSim } from "../../src/sim/server.js";
import { runCli } from "../helpers/cli.js";
import { startHttpServer } from "../helpers/http-server.js";
import { spawnGateway, type GatewayProcess } from "../helpers/processes.js";

const ADMIN = "cli-test-platform-admin";

describe("tollgate tenants | keys | apply | usage | invoice against a running gateway", () => {
  let dir: string;
  let sim: RunningSim;
  let gw: GatewayProcess;
  let file: string;
  let idp: Awaited<ReturnType<typeof startHttpServer>>;
  let signer: CryptoKey;
  const remote = () => ["--url", gw.url, "--admin-key", ADMIN];
  const cli = (...args: string[]) => runCli([...args, ...remote()]);
  const chat = async (key: string) =>
    (
      await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "llama-3.1-8b",
          messages: [{ role: "user", content: "hi" }],
          max_tokens: 4,
        }),
      })
    ).status;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-admin-cli-"));
    sim = await startSimulator({ models: ["llama-3.1-8b"] });
    // a local identity provider: its JWKS over HTTP
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    signer = privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" }] });
    idp = await startHttpServer((_req, res) => res.end(jwks));
    const jwksUrl = `${idp.url}/jwks`;
    file = join(dir, "tollgate.yaml");
    writeFileSync(
      file,
      `
storage: sqlite://${join(dir, "t.db")}
log: { level: warn }
admin: { api_keys: [{ sha256: ${hashApiKey(ADMIN)}, role: platform_admin, name: bootstrap }] }
auth: { oidc: { issuer: "https://idp.test/", audience: tollgate, jwks_url: "${jwksUrl}", role_map: { billing-team: billing } } }
models:
  llama-3.1-8b: { upstreams: ["${sim.url}"], pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015 } }
tenants:
  base: { tier: free, models_allowed: [llama-3.1-8b] }
`,
    );
    gw = await spawnGateway(file);
  });
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates, lists, updates, suspends and resumes a tenant", async () => {
    const created = await cli(
      "tenants",
      "create",
      "newco",
      "--set",
      "tier=standard",
      "--set",
      "models_allowed=[llama-3.1-8b]",
    );
    expect(created.stderr).toBe("");
    expect(created.stdout).toContain("created tenant newco");
    const list = JSON.parse((await cli("tenants", "list", "--json")).stdout) as { id: string }[];
    expect(list.map((t) => t.id)).toEqual(["base", "newco"]);
    const table = (await cli("tenants", "list")).stdout;
    expect(table).toMatch(/^id\s+status\s+tier/);
    expect(table).toMatch(/newco\s+active\s+standard\s+medium\s+llama-3.1-8b\s+api/);
    const updated = await cli(
      "tenants",
      "update",
      "newco",
      "--set",
      "rate_limits.requests_per_minute=120",
      "--json",
    );
    expect(JSON.parse(updated.stdout)).toMatchObject({ spec: { rate_limits: { requests_per_minute: 120 } } });

    const key = JSON.parse(
      (await cli("keys", "create", "--tenant", "newco", "--name", "cli", "--json")).stdout,
    ) as { key: string };
    expect(await chat(key.key)).toBe(200);
    expect((await cli("tenants", "suspend", "newco", "--reason", "unpaid")).stdout).toContain("suspended");
    expect(await chat(key.key)).toBe(403);
    await cli("tenants", "resume", "newco");
    expect(await chat(key.key)).toBe(200);
  });

  it("creates, lists, rotates and revokes keys", async () => {
    const first = JSON.parse(
      (
        await cli(
          "keys",
          "create",
          "--tenant",
          "newco",
          "--name",
          "svc",
          "--models",
          "llama-3.1-8b",
          "--json",
        )
      ).stdout,
    ) as {
      id: string;
      key: string;
    };
    const list = await cli("keys", "list", "--tenant", "newco");
    expect(list.stdout).toMatch(/svc\s+active/);
    expect(list.stdout).not.toContain(first.key);
    const rotated = await cli("keys", "rotate", first.id, "--tenant", "newco", "--grace", "1h");
    expect(rotated.stdout).toMatch(/keeps working until/);
    const next = /\n {2}(tg_\S+)\n/.exec(rotated.stdout)![1]!;
    expect([await chat(first.key), await chat(next)]).toEqual([200, 200]);
    expect((await cli("keys", "revoke", first.id, "--tenant", "newco")).stdout).toContain(
      `revoked key ${first.id}`,
    );
    expect([await chat(first.key), await chat(next)]).toEqual([401, 200]);
  });

  it("applies a file: shows the diff on a dry run, applies it, then changes nothing", async () => {
    const quotas = join(dir, "quotas.yaml");
    writeFileSync(
      quotas,
      "tenants:\n  acme: { tier: enterprise, models_allowed: [llama-3.1-8b], rate_limits: { requests_per_minute: 300 } }\n",
    );
    const dry = await cli("apply", "-f", quotas, "--dry-run");
    expect(dry.stdout).toContain("+ tenant acme: create");
    expect(dry.stdout).toContain("dry run: 1 change(s) would be applied");
    expect((await cli("tenants", "get", "acme")).code).toBe(1);
    expect((await cli("apply", "-f", quotas)).stdout).toContain("1 change(s) applied");
    expect((await cli("apply", "-f", quotas)).stdout).toContain("no changes applied");
    writeFileSync(
      quotas,
      "tenants:\n  acme: { tier: enterprise, models_allowed: [llama-3.1-8b], rate_limits: { requests_per_minute: 600 } }\n",
    );
    expect((await cli("apply", "-f", quotas)).stdout).toContain("rate_limits.requests_per_minute: 300 → 600");
  });

  it("reads usage and invoices through the admin API", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const usage = await cli("usage", "--tenant", "newco", "--format", "json");
    expect(usage.code).toBe(0);
    expect(JSON.parse(usage.stdout)).toMatchObject({ tenant: "newco", group_by: ["model"] });
    const invoice = await cli("invoice", "--tenant", "newco", "--month", month);
    expect(JSON.parse(invoice.stdout)).toMatchObject({ tenant_id: "newco", billing_period: month });
    expect((await cli("invoice", "--tenant", "newco", "--month", month, "--format", "csv")).stdout).toMatch(
      /^tenant_id,billing_period/,
    );
  });

  it("takes an OIDC token as the admin credential, with the role and tenant of its claims", async () => {
    const jwt = await new SignJWT({ roles: ["billing-team"], tenant_id: "newco" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer("https://idp.test/")
      .setAudience("tollgate")
      .setSubject("bob")
      .setExpirationTime("5m")
      .sign(signer);
    const asBob = (...args: string[]) => runCli([...args, "--url", gw.url, "--admin-key", jwt]);
    const month = new Date().toISOString().slice(0, 7);
    expect((await asBob("invoice", "--tenant", "newco", "--month", month)).code).toBe(0);
    const other = await asBob("invoice", "--tenant", "base", "--month", month);
    expect([other.code, other.stderr.trim()]).toEqual([
      1,
      "error: 404 resource_not_found: No tenant 'base'.",
    ]);
    const write = await asBob("keys", "create", "--tenant", "newco");
    expect(write.stderr).toMatch(/403 permission_denied/);
  });

  it("says what went wrong, with exit status 1 for refusals and 2 for bad usage", async () => {
    const wrong = await runCli(["tenants", "list", "--url", gw.url, "--admin-key", "nope"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401 invalid_api_key: .*check --admin-key/);
    const missing = await cli("tenants", "get", "nobody");
    expect([missing.code, missing.stderr.trim()]).toEqual([
      1,
      "error: 404 resource_not_found: No tenant 'nobody'.",
    ]);
    const noUrl = await runCli(["tenants", "list"]);
    expect([noUrl.code, noUrl.stderr.trim()]).toEqual([
      2,
      "error: no gateway URL: give --url or set TOLLGATE_URL",
    ]);
    expect((await cli("tenants", "delete", "newco")).code).toBe(2);
    const down = await runCli(["tenants", "list", "--url", "http://127.0.0.1:9", "--admin-key", ADMIN]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the gateway/);
    for (const cmd of [["tenants", "update"], ["keys", "rotate"], ["apply"], ["admin-keys", "create"]]) {
      const help = await runCli([...cmd, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: tollgate /);
    }
  });

  it("still works on the store directly with --config, and audits its changes there", async () => {
    const keys = await runCli(["keys", "list", "--config", file, "--tenant", "newco"]);
    expect(keys.code).toBe(0);
    expect(keys.stdout).toMatch(/svc\s+revoked/);
    const quotas = join(dir, "quotas.yaml");
    const dry = await runCli(["apply", "-f", quotas, "--config", file, "--dry-run"]);
    expect(dry.stdout).toContain("= tenant acme: unchanged");

    const created = await runCli([
      "keys",
      "create",
      "--config",
      file,
      "--tenant",
      "newco",
      "--name",
      "direct",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    writeFileSync(
      quotas,
      "tenants:\n  acme: { tier: enterprise, models_allowed: [llama-3.1-8b], rate_limits: { requests_per_minute: 900 } }\n",
    );
    const applied = await runCli(["apply", "-f", quotas, "--config", file]);
    expect(applied.stdout).toContain("rate_limits.requests_per_minute: 600 → 900");

    const exported = await runCli(["audit", "export", "--config", file]);
    const records = exported.stdout
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            actor: string;
            action: string;
            tenant: string | null;
            target: string | null;
            data: unknown;
          },
      );
    // each command writes a chain of its own (random id), and an export goes chain by chain
    const byCli = records
      .filter((r) => r.actor.startsWith("cli:"))
      .sort((a, b) => a.action.localeCompare(b.action));
    expect(byCli.map((r) => [r.action, r.tenant, r.target])).toEqual([
      ["key.create", "newco", `key:${key.id}`],
      ["tenant.apply", "acme", "tenant:acme"],
    ]);
    expect(byCli[0]!.data).toMatchObject({ after: { id: key.id, name: "direct" } });
    expect(exported.stdout).not.toContain(key.key);
    expect((await runCli(["audit", "verify", "--config", file])).code).toBe(0);
  });
});
