import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelSchema } from "../../src/config/schema.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";

const SECRET_A = `sk-acme-${randomBytes(8).toString("hex")}`;
const SECRET_S = `sk-startup-${randomBytes(8).toString("hex")}`;

// Bring your own key: a hosted-API model sends each tenant's own credential, and only ever its own.
describe("per-tenant provider credentials (upstream_auth)", () => {
  let t: TestGateway;
  let dir: string;
  let keys: { acme: string; startup: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-kek-"));
    writeFileSync(join(dir, "kek"), `k1:${randomBytes(32).toString("base64")}`);
    t = await startTestGateway({
      mutate: (c) => {
        c.secrets.kek_file = join(dir, "kek");
        c.models["byok-70b"] = modelSchema.parse({
          served_model: "meta-llama/Llama-3.1-70B-Instruct",
          upstreams: [c.models["llama-3.1-70b"]!.upstreams[0]],
          pricing: "free",
          upstream_auth: { tenant_secret: "openai" },
        });
        c.tenants["acme-corp"]!.models_allowed.push("byok-70b");
        c.tenants["startup-xyz"]!.models_allowed.push("byok-70b");
      },
    });
    keys = { acme: await t.key("acme-corp"), startup: await t.key("startup-xyz") };
    await t.gateway.secrets.secrets.set("acme-corp", "openai", SECRET_A);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chat = (key: string, model = "byok-70b") =>
    fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 2 }),
    });
  const receivedFor = (requestId: string | null) =>
    t.sim.received().filter((r) => r.headers["x-request-id"] === requestId);

  it("sends the requesting tenant's secret upstream", async () => {
    const res = await chat(keys.acme);
    expect(res.status).toBe(200);
    const [got] = receivedFor(res.headers.get("x-request-id"));
    expect(got?.headers.authorization).toBe(`Bearer ${SECRET_A}`);
  });

  it("refuses a tenant without that secret before anything reaches the engine, never using another tenant's", async () => {
    const before = t.sim.received().length;
    const res = await chat(keys.startup);
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("tenant_secret_missing");
    expect(body.error.message).toContain('"openai"');
    expect(t.sim.received().length).toBe(before);
  });

  it("under interleaved load, every engine request carries exactly its own tenant's secret", async () => {
    await t.gateway.secrets.secrets.set("startup-xyz", "openai", SECRET_S); // effective at once on this replica
    const calls = Array.from({ length: 30 }, (_v, i): "acme" | "startup" =>
      i % 2 === 0 ? "acme" : "startup",
    );
    const results = await Promise.all(
      calls.map(async (tenant) => ({ tenant, res: await chat(keys[tenant]) })),
    );
    for (const { tenant, res } of results) {
      expect(res.status).toBe(200);
      const received = receivedFor(res.headers.get("x-request-id"));
      expect(received).toHaveLength(1);
      expect(received[0]!.headers.authorization).toBe(`Bearer ${tenant === "acme" ? SECRET_A : SECRET_S}`);
    }
  });

  it("sends no credential to models without upstream_auth", async () => {
    const res = await chat(keys.acme, "llama-3.1-70b");
    expect(res.status).toBe(200);
    expect(receivedFor(res.headers.get("x-request-id"))[0]?.headers.authorization).toBeUndefined();
  });

  it("audits every call, refusals included, and never writes a secret into the trail or the metrics", async () => {
    await t.gateway.audit.flush(5000); // the admin actions (secrets put) behind the backlog gauge
    await t.gateway.ledger.flush(5000); // inference records are written with the usage events
    const records = await t.gateway.store.audit.query({
      tenant: "startup-xyz",
      action: "inference",
      limit: 1000,
    });
    expect(records.length).toBeGreaterThanOrEqual(16);
    const refused = records.find((r) => r.data.status === 403);
    expect(refused?.data).toMatchObject({
      error_code: "tenant_secret_missing",
      model: "byok-70b",
      cost_micros: 0,
    });
    const ok = records.find((r) => r.data.status === 200)!;
    expect(ok).toMatchObject({ actor: expect.stringMatching(/^key:/) as unknown, target: "byok-70b" });
    expect(ok.data).toMatchObject({ endpoint: "chat", input_tokens: expect.any(Number) as unknown });
    const everything = JSON.stringify(await t.gateway.store.audit.scan({}, 10_000));
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/^llm_audit_backlog_records 0$/m);
    expect(Number(/^llm_audit_records_stored_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(32);
    for (const text of [everything, metrics]) {
      expect(text).not.toContain(SECRET_A);
      expect(text).not.toContain(SECRET_S);
    }
  });
});
