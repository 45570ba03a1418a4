import { InternalServerError } from "openai";
import { describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/server.js";
import type { RunningSim } from "../../src/sim/server.js";
import { client, postJson, waitFor } from "./helpers.js";

const messages = [{ role: "user" as const, content: "hello there" }];

function sample(text: string, metric: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${metric}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("fault injection", () => {
  it("errorRate 1 fails every inference request with an OpenAI-shaped 500", async () => {
    const sim = await startSimulator({ models: ["m"], errorRate: 1 });
    try {
      const err = await client(sim)
        .chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalServerError);
      const raw = await postJson(sim, "/v1/completions", { model: "m", prompt: "x", stream: true });
      expect(raw.status).toBe(500);
      expect(raw.contentType).toMatch(/^application\/json/);
      expect(raw.json.error).toMatchObject({ type: "InternalServerError", code: 500, param: null });
      expect((await postJson(sim, "/v1/embeddings", { model: "e", input: "x" })).status).toBe(500);
      expect(sim.stats().running).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it("errorRate p fails about that fraction, the same requests for the same seed", async () => {
    const pattern = async (seed: number) => {
      const sim = await startSimulator({ models: ["m"], errorRate: 0.3, seed });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 200; i++) {
          statuses.push((await postJson(sim, "/v1/chat/completions", { model: "m", messages })).status);
        }
        return statuses;
      } finally {
        await sim.close();
      }
    };
    const a = await pattern(5);
    const failures = a.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(30);
    expect(failures).toBeLessThan(90);
    expect(a.every((s) => s === 200 || s === 500)).toBe(true);
    expect(await pattern(5)).toEqual(a);
  });

  it("setFailing answers 503 to everything until turned off", async () => {
    const sim = await startSimulator({ models: ["m"] });
    try {
      sim.setFailing(true);
      const chat = await postJson(sim, "/v1/chat/completions", { model: "m", messages });
      expect(chat.status).toBe(503);
      expect(chat.json.error.code).toBe(503);
      expect((await fetch(`${sim.url}/health`)).status).toBe(503);
      expect(sim.stats().requestsTotal).toBe(1); // it reached the engine, which refused it
      sim.setFailing(false);
      expect((await fetch(`${sim.url}/health`)).status).toBe(200);
      expect((await postJson(sim, "/v1/chat/completions", { model: "m", messages })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});

describe("observability", () => {
  it("exports vLLM gauges and counters that follow the engine state", async () => {
    const sim: RunningSim = await startSimulator({ models: ["m", "m-alias"], maxNumSeqs: 1, ttftMs: 1000 });
    try {
      const scrape = async () => {
        const res = await fetch(`${sim.url}/metrics`);
        expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
        return res.text();
      };
      const idle = await scrape();
      for (const name of [
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
        "vllm:gpu_cache_usage_perc",
        "vllm:kv_cache_usage_perc",
        "vllm:prompt_tokens_total",
        "vllm:generation_tokens_total",
      ]) {
        expect(sample(idle, name)).toBe(0);
      }
      expect(idle).toContain('vllm:num_requests_running{model_name="m"} 0');

      const inFlight = Array.from({ length: 3 }, () =>
        client(sim).chat.completions.create({ model: "m", messages, max_tokens: 4 }),
      );
      await waitFor(() => sim.stats().waiting === 2);
      const busy = await scrape();
      expect(sample(busy, "vllm:num_requests_running")).toBe(1);
      expect(sample(busy, "vllm:num_requests_waiting")).toBe(2);
      expect(sample(busy, "vllm:gpu_cache_usage_perc")).toBeGreaterThan(0);
      expect(sample(busy, "vllm:kv_cache_usage_perc")).toBe(sample(busy, "vllm:gpu_cache_usage_perc"));
      const replies = await Promise.all(inFlight);

      const done = await scrape();
      expect(sample(done, "vllm:num_requests_running")).toBe(0);
      expect(sample(done, "vllm:gpu_cache_usage_perc")).toBe(0);
      expect(sample(done, "vllm:generation_tokens_total")).toBe(12);
      expect(sample(done, "vllm:prompt_tokens_total")).toBe(3 * replies[0]!.usage!.prompt_tokens);
    } finally {
      await sim.close();
    }
  });

  it("records the last 100 requests with headers and bodies, and answers /health", async () => {
    const sim = await startSimulator({ models: ["m"] });
    try {
      expect((await fetch(`${sim.url}/health`)).status).toBe(200);
      await postJson(sim, "/v1/chat/completions", { model: "m", messages, cache_salt: "salt-1" });
      const [first] = sim.received();
      expect(first).toMatchObject({ path: "/v1/chat/completions", body: { cache_salt: "salt-1" } });
      expect(first!.headers.authorization).toBe("Bearer sim-test-key");
      for (let i = 0; i < 120; i++) await postJson(sim, "/v1/completions", { model: "m", prompt: `p${i}` });
      const received = sim.received();
      expect(received).toHaveLength(100);
      expect(received[0]!.body).toMatchObject({ prompt: "p20" });
      expect(received[99]!.body).toMatchObject({ prompt: "p119" });
    } finally {
      await sim.close();
    }
  });
});
