import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/load.js";
import { FallbackSlotStore } from "../../src/scheduler/fallback-slot-store.js";
import { MemorySlotStore } from "../../src/scheduler/memory/slot-store.js";
import { tenantWeights } from "../../src/scheduler/open-scheduler.js";
import { buildPoolTable } from "../../src/scheduler/pools.js";
import type { Candidate, DispatchRequest } from "../../src/scheduler/slot-store.js";
import { parseEngineLoad } from "../../src/upstream/engine-load-poller.js";

const BASE = `
simulators: { shared: {}, acme: {} }
models:
  llama-3.1-70b: { upstreams: ["http://vllm-70b-0:8000/v1", "http://vllm-70b-1:8000"], pricing: free, max_num_seqs: 128 }
  llama-3.1-8b: { upstreams: ["sim://shared"], pricing: free, pool: economy }
  llama-3.1-8b-tools: { upstreams: ["sim://shared"], pricing: free, pool: economy }
tenants:
  acme-corp: { tier: enterprise, models_allowed: [llama-3.1-70b, llama-3.1-8b] }
  startup-xyz: { tier: standard, models_allowed: [llama-3.1-8b], weight: 3 }
  internal-dev: { tier: free, models_allowed: [llama-3.1-8b] }
  lab: { tier: research, models_allowed: [llama-3.1-8b] }
`;

function problems(text: string): string[] {
  try {
    parseConfig(text, "t.yaml", {});
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe("pools and weights from the config", () => {
  it("forms a pool per model (or shared by name), and routes dedicated tenants to their own", () => {
    const config = parseConfig(
      `${BASE}pools:\n  acme-70b: { models: [llama-3.1-70b], upstreams: ["sim://acme"], max_num_seqs: 8, dedicated_to: [acme-corp] }\n`,
      "t.yaml",
      {},
    );
    const table = buildPoolTable(config, (u) => u.replace(/^sim:\/\/(.*)$/, "http://sim-$1:9000/"));
    expect(table.route("startup-xyz", "llama-3.1-70b")).toMatchObject({
      name: "llama-3.1-70b",
      endpoints: [
        { url: "http://vllm-70b-0:8000", capacity: 128 },
        { url: "http://vllm-70b-1:8000", capacity: 128 },
      ],
      dedicatedTo: null,
    });
    expect(table.route("acme-corp", "llama-3.1-70b")).toMatchObject({
      name: "acme-70b",
      endpoints: [{ url: "http://sim-acme:9000", capacity: 8 }],
    });
    expect(table.route("acme-corp", "llama-3.1-8b")).toBe(table.route("internal-dev", "llama-3.1-8b-tools"));
    expect(table.pools().map((p) => p.name)).toEqual(["llama-3.1-70b", "economy", "acme-70b"]);
  });

  it("weights tenants by tier (enterprise 4, standard 2, free 1, others 1) unless they set their own", () => {
    const config = parseConfig(`${BASE}scheduler: { tier_weights: { free: 0.5 } }\n`, "t.yaml", {});
    const weight = tenantWeights(config);
    expect(["acme-corp", "startup-xyz", "internal-dev", "lab"].map(weight)).toEqual([4, 3, 0.5, 1]);
  });

  it("rejects inconsistent pools", () => {
    expect(
      problems(`${BASE.replace('pool: economy }\n  llama-3.1-8b-tools: { upstreams: ["sim://shared"]', 'pool: economy }\n  llama-3.1-8b-tools: { upstreams: ["http://other:1"]')}
pools:
  economy: { models: [llama-3.1-8b], upstreams: ["http://x:1"], dedicated_to: [acme-corp] }
  mine: { models: [gpt-9], upstreams: ["sim://nope"], dedicated_to: [acme-corp, ghost] }
  again: { models: [llama-3.1-8b], upstreams: ["http://y:1"], dedicated_to: [acme-corp] }
`),
    ).toEqual([
      'models.llama-3.1-8b-tools.pool: models in pool "economy" must have the same upstreams and max_num_seqs as "llama-3.1-8b"',
      'pools.economy: "economy" is already the pool of a model',
      'pools.mine.upstreams[0]: no simulator named "nope" under simulators:',
      'pools.mine.models[0]: unknown model "gpt-9"',
      'pools.mine.dedicated_to[1]: unknown tenant "ghost"',
      'pools.again.dedicated_to[0]: "acme-corp" already has a dedicated pool for "llama-3.1-8b"',
    ]);
  });
});

describe("engine load and store fallback", () => {
  it("reads running + waiting requests from a vLLM /metrics page", () => {
    const text = [
      "# HELP vllm:num_requests_running Number of requests in model execution batches.",
      "# TYPE vllm:num_requests_running gauge",
      'vllm:num_requests_running{engine="0",model_name="m"} 12.0',
      'vllm:num_requests_running{engine="1",model_name="m"} 3.0',
      'vllm:num_requests_waiting{engine="0",model_name="m"} 5.0',
      'vllm:num_requests_swapped{model_name="m"} 9.0',
    ].join("\n");
    expect(parseEngineLoad(text)).toBe(20);
    expect(parseEngineLoad("up 1")).toBeNull();
  });

  it("schedules locally at capacity ÷ replicas while the shared store fails, and releases there", async () => {
    const local = new MemorySlotStore();
    const broken = Object.assign(new MemorySlotStore(), {
      dispatch: () => Promise.reject(new Error("redis down")),
    });
    const errors: unknown[] = [];
    const store = new FallbackSlotStore(broken, local, 2, (err) => errors.push(err));
    const cand = (lease: string): Candidate => ({
      tenant: "a",
      band: 1,
      weight: 1,
      cost: 1,
      lease,
      more: false,
      prefer: "",
      avoid: [],
    });
    const request = (lease: string): DispatchRequest => ({
      pool: "p",
      replica: "r",
      now: 1000,
      candidates: [cand(lease)],
      endpoints: [{ url: "http://e", capacity: 4 }],
      leaseTtlMs: 30_000,
      waitTtlMs: 1000,
      starvationLimit: 5,
    });
    const results = [await store.dispatch(request("x")), await store.dispatch(request("y"))];
    expect(results.map((r) => r.kind)).toEqual(["granted", "granted"]);
    expect((await store.dispatch(request("z"))).kind).toBe("full"); // 4 ÷ 2 replicas
    expect(errors).toHaveLength(3);
    await store.release({
      pool: "p",
      endpoints: [{ url: "http://e", capacity: 4 }],
      endpoint: "http://e",
      lease: "x",
      tenant: "a",
      band: 1,
      now: 1000,
      correction: 0,
      holdMs: 0,
      starvationLimit: 5,
    });
    expect(await local.inFlight(["http://e"], 1000)).toEqual([1]);
  });
});
