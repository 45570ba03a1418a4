import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { startSimulator, type RunningSim } from "../../src/sim/server.js";
import { eventually, startTestGateway, type TestGateway } from "../helpers/gateway.js";

const chat = (maxTokens = 8, content = "hello") => ({
  model: "llama-3.1-8b",
  messages: [{ role: "user" as const, content }],
  max_tokens: maxTokens,
});

function post(t: TestGateway, key: string, body: unknown, signal?: AbortSignal) {
  return fetch(`${t.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  }).then(async (res) => ({ res, body: (await res.json()) as { error?: Record<string, string> } }));
}

/** Every model on a pool of `seqs` slots, every tenant in the same priority band. */
function pool(seqs: number, scheduler: Partial<Config["scheduler"]> = {}) {
  return (c: Config) => {
    for (const m of Object.values(c.models)) m.max_num_seqs = seqs;
    for (const t of Object.values(c.tenants)) t.priority = "medium";
    Object.assign(c.scheduler, scheduler);
  };
}

const metric = async (t: TestGateway, line: RegExp) => {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? NaN);
};

let t: TestGateway | null = null;
const extraSims: RunningSim[] = [];
afterEach(async () => {
  await t?.close();
  t = null;
  await Promise.all(extraSims.splice(0).map((s) => s.close()));
});

describe("scheduling: the gateway queue in front of the engine", () => {
  it("never runs more than the pool's max_num_seqs on the engine; the rest wait in the gateway", async () => {
    t = await startTestGateway({ sim: { maxNumSeqs: 64, ttftMs: 30 }, mutate: pool(3) });
    const [a, b] = [await t.key("startup-xyz"), await t.key("internal-dev")];
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => post(t!, i % 2 ? a : b, chat())));
    expect(results.map((r) => r.res.status)).toEqual(Array(16).fill(200));
    expect(t.sim.stats().maxRunning).toBe(3);
    expect(await metric(t, /^llm_queue_depth\{pool="llama-3.1-8b"\} (\S+)$/m)).toBe(0);
    expect(
      await metric(t, /^llm_queue_wait_seconds_count\{pool="llama-3.1-8b",tenant="startup-xyz"\} (\S+)$/m),
    ).toBe(8);
    expect(
      await metric(t, /^llm_tenant_served_tokens_total\{pool="llama-3.1-8b",tenant="startup-xyz"\} (\S+)$/m),
    ).toBeGreaterThan(0);
    expect(await metric(t, /^llm_endpoint_capacity\{pool="llama-3.1-8b",endpoint="[^"]+"\} (\S+)$/m)).toBe(3);
  });

  it("lets a light tenant past a flood: its request is among the next dispatched", async () => {
    t = await startTestGateway({ sim: { maxNumSeqs: 64, itlMs: 5 }, mutate: pool(2) });
    const [noisy, light] = [await t.key("startup-xyz"), await t.key("internal-dev")];
    const flood = Array.from({ length: 20 }, () => post(t!, noisy, chat(20)));
    await eventually(() => t!.sim.stats().running === 2);
    const mine = await post(t, light, chat(20, "light"));
    expect(mine.res.status).toBe(200);
    await Promise.all(flood);
    const order = t.sim.received().map((r) => JSON.stringify(r.body).includes("light"));
    expect(order.indexOf(true)).toBeLessThanOrEqual(3);
  });

  it("answers 429 queue_full beyond a tenant's queue share, 503 server_overloaded beyond max_wait_ms", async () => {
    t = await startTestGateway({
      sim: { maxNumSeqs: 64, itlMs: 20 },
      mutate: pool(1, { max_queue_per_tenant: 2, max_wait_ms: 300 }),
    });
    const [a, b] = [await t.key("startup-xyz"), await t.key("internal-dev")];
    const flood = Array.from({ length: 5 }, () => post(t!, a, chat(30)));
    await eventually(() => t!.sim.stats().running === 1);
    const late = await post(t, b, chat());
    expect(late.res.status).toBe(503);
    expect(late.body.error).toMatchObject({ code: "server_overloaded", type: "api_error" });
    expect(late.res.headers.get("retry-after")).toBe("2");
    const statuses = (await Promise.all(flood)).map((r) => r.res.status).sort();
    expect(statuses).toEqual([200, 429, 429, 503, 503]); // 1 ran, 2 queued then timed out, 2 refused
    const refused = t.events.filter((e) => e.errorCode === "queue_full");
    expect(refused).toHaveLength(2);
    expect(refused.every((e) => e.costMicros === 0 && e.upstream === null)).toBe(true);
  });

  it("drops a queued request whose client disconnects: no slot, no lease, no reservation, no charge", async () => {
    t = await startTestGateway({
      sim: { maxNumSeqs: 64, itlMs: 20 },
      mutate: (c) => {
        pool(1)(c);
        c.tenants["internal-dev"]!.rate_limits = { concurrent_requests: 5 };
        c.tenants["internal-dev"]!.budget.daily_limit_usd = 10;
      },
    });
    const [a, b] = [await t.key("startup-xyz"), await t.key("internal-dev")];
    const running = post(t, a, chat(20));
    await eventually(() => t!.sim.stats().running === 1);
    const gone = new AbortController();
    const queued = post(t, b, chat(), gone.signal).catch(() => null);
    let depth = 0;
    await eventually(
      () => depth === 1,
      3000,
      async () => {
        depth = await metric(t!, /^llm_queue_depth\{pool="llama-3.1-8b"\} (\S+)$/m);
      },
    );
    expect(t.gateway.admission.inFlight).toBe(1); // b holds a reservation while it waits
    gone.abort();
    expect(await queued).toBeNull();
    await eventually(() => t!.events.some((e) => e.tenantId === "internal-dev"));
    const event = t.events.find((e) => e.tenantId === "internal-dev")!;
    expect(event).toMatchObject({ status: 499, errorCode: "client_closed", costMicros: 0, upstream: null });
    expect(event.usage.input + event.usage.output).toBe(0);
    expect(t.gateway.admission.inFlight).toBe(0); // its reservation was released
    expect(await metric(t, /^llm_queue_depth\{pool="llama-3.1-8b"\} (\S+)$/m)).toBe(0);
    expect((await running).res.status).toBe(200);
    expect(t.sim.stats().requestsTotal).toBe(1); // it never reached the engine
    expect((await post(t, b, chat())).res.status).toBe(200); // and its slot is free
  });

  it("with scheduler.enabled: false, passes every request straight to the engine (its FIFO decides)", async () => {
    t = await startTestGateway({ sim: { maxNumSeqs: 64, ttftMs: 50 }, mutate: pool(1, { enabled: false }) });
    const a = await t.key("startup-xyz");
    await Promise.all(Array.from({ length: 4 }, () => post(t!, a, chat())));
    expect(t.sim.stats().maxRunning).toBe(4);
  });

  it("routes a tenant with a dedicated pool to its own engines, everyone else to the shared pool", async () => {
    const dedicated = await startSimulator({ models: ["meta-llama/Llama-3.1-8B-Instruct"] });
    extraSims.push(dedicated);
    t = await startTestGateway({
      extraYaml: `pools:\n  acme-8b:\n    models: [llama-3.1-8b]\n    upstreams: ["${dedicated.url}"]\n    max_num_seqs: 4\n    dedicated_to: [acme-corp]\n`,
    });
    await post(t, await t.key("acme-corp"), chat());
    await post(t, await t.key("startup-xyz"), chat());
    expect(dedicated.stats().requestsTotal).toBe(1);
    expect(t.sim.stats().requestsTotal).toBe(1);
    expect(t.events.map((e) => e.upstream)).toEqual([dedicated.url, t.sim.url]);
  });
});
