import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/app.js";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { inferenceChain } from "../../src/audit/inference-audit.js";
import { ChainVerifier } from "../../src/audit/verifier.js";
import { parseConfig } from "../../src/config/load.js";
import { startSimulator, type RunningSim } from "../../src/sim/server.js";
import { eventually } from "../helpers/gateway.js";
import { postgresAvailable, throwawayDatabase, throwawayRole } from "../helpers/postgres.js";

const KEY = { acme: "replica-audit-key-acme", globex: "replica-audit-key-globex" };

// Two replicas on one PostgreSQL database: their own chains, all intact, every call recorded once;
// a secret set through one replica is used by the other within its cache TTL.
describe.skipIf(!postgresAvailable)("audit trail and secrets across two replicas (PostgreSQL)", () => {
  let dir: string;
  let sim: RunningSim;
  let db: Awaited<ReturnType<typeof throwawayDatabase>>;
  let role: Awaited<ReturnType<typeof throwawayRole>>;
  const replicas: { gateway: Gateway; url: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-audit-replicas-"));
    writeFileSync(join(dir, "kek"), `k1:${randomBytes(32).toString("base64")}`);
    sim = await startSimulator({ models: ["m"] });
    db = await throwawayDatabase();
    role = await throwawayRole(db.url);
    for (const name of ["one", "two"]) {
      const config = parseConfig(
        `
storage: "${role.url}"
storage_admin: "${db.url}"
usage: { journal: { dir: "${join(dir, name)}", fsync: false } }
secrets: { kek_file: "${join(dir, "kek")}", cache_ttl_ms: 300 }
models:
  m: { upstreams: ["${sim.url}"], pricing: free }
  byok: { served_model: m, upstreams: ["${sim.url}"], pricing: free, upstream_auth: { tenant_secret: key } }
tenants:
  acme: { tier: free, models_allowed: [m, byok], api_keys: [{ sha256: ${hashApiKey(KEY.acme)} }] }
  globex: { tier: free, models_allowed: [m, byok], api_keys: [{ sha256: ${hashApiKey(KEY.globex)} }] }
`,
        `${name}.yaml`,
        {},
      );
      const gateway = await createGateway(config, { processMetrics: false });
      replicas.push({ gateway, url: await gateway.listen(0, "127.0.0.1") });
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.gateway.close();
    await sim?.close();
    await db?.drop();
    await role?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const chat = (replica: number, key: string, model = "m") =>
    fetch(`${replicas[replica]!.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: 3 }),
    });

  it("keeps one intact chain per replica with every call recorded exactly once", async () => {
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_v, i) => {
        const res = await chat(i % 2, i % 3 === 0 ? KEY.globex : KEY.acme);
        expect(res.status).toBe(200);
        ids.push(res.headers.get("x-request-id")!);
      }),
    );
    // inference records are written with the usage events, admin actions by the audit trail
    await Promise.all(replicas.map((r) => r.gateway.ledger.flush(10_000)));
    await Promise.all(replicas.map((r) => r.gateway.audit.flush(10_000)));
    const records = await replicas[0]!.gateway.store.audit.scan({}, 10_000);
    const verifier = new ChainVerifier();
    for (const r of records) verifier.feed(r);
    const { problems, heads } = verifier.finish();
    expect(problems).toEqual([]);
    // a chain of inference records per replica (the first one also applied the config's tenants)
    const own = replicas.map((r) => r.gateway.audit.chain);
    expect([...heads.keys()].filter((c) => c.endsWith(".inference")).sort()).toEqual(
      own.map(inferenceChain).sort(),
    );
    expect([...heads.keys()].every((c) => own.includes(c) || own.map(inferenceChain).includes(c))).toBe(true);
    const recorded = records.filter((r) => r.action === "inference").map((r) => r.data.request_id);
    expect(recorded.sort()).toEqual(ids.sort());
    const acme = await replicas[1]!.gateway.store.audit.query({
      tenant: "acme",
      action: "inference",
      limit: 1000,
    });
    expect(acme.every((r) => r.tenant === "acme")).toBe(true);
    expect(acme.length).toBe(ids.length - 14);
  });

  it("uses a secret set through one replica on the other, for its tenant only", async () => {
    expect((await chat(1, KEY.acme, "byok")).status).toBe(403); // not set yet, cached as absent
    await replicas[0]!.gateway.secrets.secrets.set("acme", "key", "sk-acme-replicated");
    let status = 0;
    await eventually(
      () => status === 200,
      5000,
      async () => {
        status = (await chat(1, KEY.acme, "byok")).status;
      },
    );
    expect(sim.received().at(-1)!.headers.authorization).toBe("Bearer sk-acme-replicated");
    expect((await chat(1, KEY.globex, "byok")).status).toBe(403);
  });
});
