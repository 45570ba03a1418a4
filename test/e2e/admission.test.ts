import type { IncomingMessage } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { signature } from "../../src/telemetry/alert-webhook.js";
import { eventually, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startHttpServer } from "../helpers/http-server.js";

const chat = (content = "hello", extra: Record<string, unknown> = {}) => ({
  model: "llama-3.1-8b",
  messages: [{ role: "user" as const, content }],
  max_tokens: 8,
  ...extra,
});

async function post(t: TestGateway, key: string, body: unknown) {
  const res = await fetch(`${t.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { res, body: (await res.json()) as { error?: Record<string, string> } & Record<string, unknown> };
}

let t: TestGateway | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe("admission: the seed's acceptance checks, end to end", () => {
  it("refuses a tenant's requests over its concurrency limit with 429 while another tenant is unaffected", async () => {
    t = await startTestGateway({
      sim: { ttftMs: 300 },
      mutate: (c) => {
        c.tenants["internal-dev"]!.rate_limits = { concurrent_requests: 2 };
      },
    });
    const a = await t.key("internal-dev");
    const b = await t.key("startup-xyz");
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => post(t!, a, chat())),
      post(t, b, chat()),
      post(t, b, chat()),
      post(t, b, chat()),
    ]);
    const aStatuses = results.slice(0, 5).map((r) => r.res.status);
    expect(aStatuses.filter((s) => s === 200)).toHaveLength(2);
    expect(aStatuses.filter((s) => s === 429)).toHaveLength(3);
    expect(results.slice(5).map((r) => r.res.status)).toEqual([200, 200, 200]);
    const refused = results.find((r) => r.res.status === 429)!;
    expect(refused.body.error).toMatchObject({ code: "rate_limit_exceeded", type: "requests" });
    expect(Number(refused.res.headers.get("retry-after"))).toBeGreaterThanOrEqual(0);
    expect(refused.res.headers.get("retry-after-ms")).toMatch(/^\d+$/);
    // rejected requests are counted, at zero tokens
    const rejections = t.events.filter((e) => e.status === 429);
    expect(rejections).toHaveLength(3);
    expect(rejections.every((e) => e.usage.input === 0 && e.costMicros === 0)).toBe(true);
    // and the slots came back: nothing leaked
    expect(t.gateway.admission.inFlight).toBe(0);
    expect((await post(t, a, chat())).res.status).toBe(200);
  });

  it("exhausts a daily token quota with reset_at at the next 00:00 UTC, and admits again after midnight", async () => {
    let now = Date.parse("2026-11-25T23:59:00Z");
    t = await startTestGateway({
      gateway: { clock: () => now },
      mutate: (c) => {
        c.tenants["internal-dev"]!.daily_token_limit = 120;
      },
    });
    const key = await t.key("internal-dev");
    expect((await post(t, key, chat("hi", { max_tokens: 50 }))).res.status).toBe(200);
    const refused = await post(t, key, chat("hi", { max_tokens: 100 }));
    expect(refused.res.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      type: "insufficient_quota",
      code: "quota_exceeded",
      reset_at: "2026-11-26T00:00:00.000Z",
    });
    expect(refused.res.headers.get("x-should-retry")).toBe("false");
    expect(refused.res.headers.get("retry-after")).toBe("60");
    now = Date.parse("2026-11-26T00:00:01Z");
    expect((await post(t, key, chat("hi", { max_tokens: 100 }))).res.status).toBe(200);
  });

  it("stops at 100% of a daily budget with 402 budget_exceeded", async () => {
    t = await startTestGateway({
      mutate: (c) => {
        // 8b: 0.5 µ$/input token, 1.5 µ$/output token. A budget of 100 µ$.
        c.tenants["internal-dev"]!.budget = { daily_limit_usd: 0.0001, alert_threshold_percent: 80 };
      },
    });
    const key = await t.key("internal-dev");
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 10; i++) {
      last = await post(t, key, chat("hi", { max_tokens: 20 }));
      statuses.push(last.res.status);
      if (last.res.status !== 200) break;
    }
    expect(statuses.at(-1)).toBe(402);
    expect(last?.body.error).toMatchObject({ code: "budget_exceeded", type: "insufficient_quota" });
    expect(last?.body.error?.reset_at).toMatch(/T00:00:00.000Z$/);
    const spent = t.events.filter((e) => e.status === 200).reduce((sum, e) => sum + e.costMicros, 0);
    expect(spent).toBeLessThanOrEqual(100);
    const usage = await t.gateway.admission.spendOf("internal-dev");
    expect(usage.dailyMicros).toBe(spent);
  });

  it("sends the x-ratelimit headers on successful responses, streams included", async () => {
    t = await startTestGateway({
      mutate: (c) => {
        c.tenants["startup-xyz"]!.rate_limits = { requests_per_minute: 60, tokens_per_minute: 100_000 };
      },
    });
    const key = await t.key("startup-xyz");
    const { res } = await post(t, key, chat());
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("59");
    expect(res.headers.get("x-ratelimit-reset-requests")).toBe("1s");
    expect(res.headers.get("x-ratelimit-limit-tokens")).toBe("100000");
    const streamed = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(chat("hi", { stream: true })),
    });
    expect(streamed.headers.get("x-ratelimit-remaining-requests")).toBe("58");
    await streamed.text();
  });

  it("refuses max_tokens above the model's max_output_tokens and caps requests that set none", async () => {
    t = await startTestGateway({
      mutate: (c) => {
        c.models["llama-3.1-8b"]!.max_output_tokens = 64;
      },
    });
    const key = await t.key("startup-xyz");
    const tooMany = await post(t, key, chat("hi", { max_tokens: 65 }));
    expect(tooMany.res.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ param: "max_tokens", code: "invalid_request" });
    const { res } = await post(t, key, {
      model: "llama-3.1-8b",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.status).toBe(200);
    expect((t.sim.received().at(-1)!.body as { max_tokens: number }).max_tokens).toBe(64);
  });
});

describe("per-key limits and models", () => {
  it("applies a key's own rate limit and model subset within its tenant's", async () => {
    t = await startTestGateway({
      mutate: (c) => {
        c.tenants["acme-corp"]!.api_keys = [
          {
            sha256: hashApiKey("acme-batch-key"),
            name: "batch",
            rate_limits: { requests_per_minute: 1 },
            models_allowed: ["llama-3.1-8b"],
          },
        ];
      },
    });
    const other = await t.key("acme-corp");
    expect((await post(t, "acme-batch-key", chat())).res.status).toBe(200);
    const limited = await post(t, "acme-batch-key", chat());
    expect(limited.res.status).toBe(429);
    expect(limited.body.error!.message).toContain("this API key");
    expect((await post(t, other, chat())).res.status).toBe(200); // the tenant still has room
    const big = await post(t, "acme-batch-key", chat("hi", { model: "llama-3.1-70b" }));
    expect(big.res.status).toBe(403);
    const models = (await t.client("acme-batch-key").models.list()).data.map((m) => m.id);
    expect(models).toEqual(["llama-3.1-8b"]);
  });
});

describe("admission: exact charges on every path", () => {
  it("bills streams cut by the client and by a failing engine exactly what was generated", async () => {
    t = await startTestGateway({
      sim: { itlMs: 30 },
      mutate: (c) => {
        c.tenants["startup-xyz"]!.daily_token_limit = 1_000_000;
        c.tenants["startup-xyz"]!.budget = { daily_limit_usd: 100, alert_threshold_percent: 80 };
      },
    });
    const key = await t.key("startup-xyz");
    const client = t.client(key);
    // client cut
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { ...chat("tell me a story", { max_tokens: 200 }), stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) seen++;
        if (seen === 4) controller.abort();
      }
    } catch {
      // aborted
    }
    await eventually(() => t!.events.length === 1);
    // engine dies mid-stream
    const second = await client.chat.completions.create({
      ...chat("another", { max_tokens: 200 }),
      stream: true,
    });
    let got = 0;
    const reading = (async () => {
      for await (const chunk of second) if (chunk.choices[0]?.delta.content) got++;
    })();
    await eventually(() => t!.sim.stats().running === 1);
    await new Promise((r) => setTimeout(r, 150));
    await t.sim.close();
    await expect(reading).rejects.toThrow();
    await eventually(() => t!.events.length === 2);
    const [cut, failed] = t.events;
    expect(cut).toMatchObject({ clientAborted: true, status: 499 });
    expect(cut!.usage.output).toBeGreaterThanOrEqual(4);
    expect(cut!.usage.output).toBeLessThan(200);
    expect(failed).toMatchObject({ clientAborted: false, status: 502, errorCode: "upstream_error" });
    expect(failed!.usage.output).toBe(got);
    expect(failed!.usage.output).toBeGreaterThan(0);
    // the spend counter equals the sum of settled charges, the token counter the sum of tokens
    await eventually(() => t!.gateway.admission.inFlight === 0);
    const usage = await t.gateway.admission.spendOf("startup-xyz");
    expect(usage.dailyMicros).toBe(cut!.costMicros + failed!.costMicros);
    expect(usage.dailyTokens).toBe(
      cut!.usage.input + cut!.usage.output + failed!.usage.input + failed!.usage.output,
    );
  });
});

describe("budget alerts", () => {
  it("posts a signed webhook once when spend crosses the threshold", async () => {
    const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
    const hook = await startHttpServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        // first delivery fails: the gateway must retry
        res.statusCode = received.length === 1 ? 503 : 204;
        res.end();
      });
    });
    const hookUrl = `${hook.url}/alerts`;
    try {
      t = await startTestGateway({
        gateway: { webhookBaseDelayMs: 10 },
        mutate: (c) => {
          c.alerts.webhook_secret = "a-very-secret-signing-key";
          c.tenants["internal-dev"]!.budget = {
            daily_limit_usd: 0.001,
            alert_threshold_percent: 50,
            alert_webhook_url: hookUrl,
          };
        },
      });
      const key = await t.key("internal-dev");
      for (let i = 0; i < 12; i++) await post(t, key, chat("hi", { max_tokens: 30 }));
      await eventually(() => received.length === 2);
      const delivered = received[1]!;
      const payload = JSON.parse(delivered.body) as Record<string, unknown>;
      expect(payload).toMatchObject({
        type: "budget.alert",
        tenant: "internal-dev",
        period: "daily",
        limit_usd: 0.001,
      });
      expect(payload.spent_usd as number).toBeGreaterThanOrEqual(0.0005);
      const ts = delivered.headers["x-tollgate-timestamp"] as string;
      expect(delivered.headers["x-tollgate-signature"]).toBe(
        signature("a-very-secret-signing-key", ts, delivered.body),
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(2); // once per period, retried once
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/llm_budget_alerts_total\{tenant="internal-dev",period="daily"\} 1/);
      expect(metrics).toMatch(/llm_tenant_daily_budget_usd\{tenant="internal-dev"\} 0.001/);
      expect(metrics).toMatch(/llm_tenant_daily_spend_usd\{tenant="internal-dev"\} 0.000[5-9]/);
    } finally {
      await hook.close();
    }
  });
});
