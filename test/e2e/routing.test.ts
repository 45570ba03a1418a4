import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type RunningSim } from "../../src/sim/server.js";
import { eventually, startTestGateway, type TestGateway } from "../helpers/gateway.js";

const MODEL_8B = "meta-llama/Llama-3.1-8B-Instruct";
let t: TestGateway | null = null;
const sims: RunningSim[] = [];
afterEach(async () => {
  await t?.close();
  t = null;
  for (const s of sims.splice(0)) await s.close();
});

async function sim(options: Parameters<typeof startSimulator>[0]): Promise<RunningSim> {
  const s = await startSimulator(options);
  sims.push(s);
  return s;
}

const body = (model = "llama-3.1-8b", extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model, messages: [{ role: "user", content: "route me" }], max_tokens: 3, ...extra });

async function post(key: string, b: string) {
  const res = await fetch(`${t!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: b,
  });
  return { res, text: await res.text() };
}

describe("routing resilience", () => {
  it("survives one endpoint down, one slow and one failing half its requests: nothing lost, nothing billed twice", async () => {
    const slow = await sim({ models: [MODEL_8B], ttftMs: 150 });
    const flaky = await sim({ models: [MODEL_8B], errorRate: 0.5, seed: 7 });
    const good = await sim({ models: [MODEL_8B] });
    t = await startTestGateway({
      mutate: (c) => {
        c.models["llama-3.1-8b"]!.upstreams = ["http://127.0.0.1:9", slow.url, flaky.url, good.url];
        c.routing.retries = 3;
        c.routing.failure_threshold = 3;
        c.routing.health_check_interval_ms = 0;
      },
    });
    const key = await t.key("startup-xyz");
    const results = await Promise.all(Array.from({ length: 60 }, () => post(key, body())));
    // the simulator's 500s are not retried (the engine may have worked); connection errors and 502/503 are
    const statuses = results.map((r) => r.res.status);
    expect(statuses.every((s) => s === 200 || s === 500)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(40);
    const served = slow.stats().requestsTotal + flaky.stats().requestsTotal + good.stats().requestsTotal;
    // every request reached exactly one engine that answered it (plus no duplicates)
    expect(served).toBe(60);
    await eventually(() => t!.events.length === 60);
    const billed = t.events.filter((e) => e.costMicros > 0);
    expect(billed.length).toBe(statuses.filter((s) => s === 200).length);
    expect(new Set(t.events.map((e) => e.requestId)).size).toBe(60);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/llm_endpoint_ejections_total\{endpoint="http:\/\/127.0.0.1:9"\} 1/);
    expect(metrics).toMatch(/llm_upstream_retries_total\{model="llama-3.1-8b"\} [1-9]/);
  });

  it("retries an engine's 503 on another endpoint before the first byte", async () => {
    const down = await sim({ models: [MODEL_8B] });
    const up = await sim({ models: [MODEL_8B] });
    down.setFailing(true);
    t = await startTestGateway({
      mutate: (c) => {
        c.models["llama-3.1-8b"]!.upstreams = [down.url, up.url];
        c.routing.health_check_interval_ms = 0;
      },
    });
    const key = await t.key("startup-xyz");
    for (let i = 0; i < 6; i++)
      expect((await post(key, body("llama-3.1-8b", { stream: i % 2 === 0 }))).res.status).toBe(200);
    expect(up.stats().requestsTotal).toBe(6);
  });

  it("takes endpoints that fail their health check out of rotation", async () => {
    const a = await sim({ models: [MODEL_8B] });
    const b = await sim({ models: [MODEL_8B] });
    t = await startTestGateway({
      mutate: (c) => {
        c.models["llama-3.1-8b"]!.upstreams = [a.url, b.url];
        c.routing.health_check_interval_ms = 50;
      },
    });
    const key = await t.key("startup-xyz");
    a.setFailing(true); // its /health answers 503
    const upState = async (url: string) =>
      new RegExp(`llm_endpoint_up\\{endpoint="${url}"\\} (\\d)`).exec(
        await (await fetch(`${t!.url}/metrics`)).text(),
      )?.[1];
    let state: string | undefined;
    await eventually(
      () => state === "0",
      3000,
      async () => {
        state = await upState(a.url);
      },
    );
    a.resetStats();
    for (let i = 0; i < 5; i++) expect((await post(key, body())).res.status).toBe(200);
    expect(a.stats().requestsTotal).toBe(0);
    a.setFailing(false);
    await eventually(
      () => state === "1",
      3000,
      async () => {
        state = await upState(a.url);
      },
    );
  });

  it("falls back along the tenant's chain and bills the model that answered", async () => {
    const small = await sim({ models: [MODEL_8B] });
    t = await startTestGateway({
      mutate: (c) => {
        c.models["llama-3.1-70b"]!.upstreams = ["http://127.0.0.1:9"];
        c.models["llama-3.1-8b"]!.upstreams = [small.url];
        c.routing.health_check_interval_ms = 0;
        c.tenants["acme-corp"]!.fallbacks = { "llama-3.1-70b": ["llama-3.1-8b"] };
      },
    });
    const key = await t.key("acme-corp");
    const { res, text } = await post(key, body("llama-3.1-70b"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-tollgate-fallback-from")).toBe("llama-3.1-70b");
    expect(res.headers.get("x-tollgate-model")).toBe("llama-3.1-8b");
    expect(JSON.parse(text).model).toBe("llama-3.1-8b");
    expect((small.received().at(-1)!.body as { model: string }).model).toBe(MODEL_8B);
    const event = t.events.at(-1)!;
    expect(event.model).toBe("llama-3.1-8b");
    // 8B prices: 0.5 µ$ in, 1.5 µ$ out (not the 70B's 4 and 12)
    expect(event.costMicros).toBe(
      Math.floor((event.usage.input * 500 + event.usage.output * 1500 + 500) / 1000),
    );
  });
});
