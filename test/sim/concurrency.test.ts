import { describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/server.js";
import { client, postJson, sleep, waitFor } from "./helpers.js";

const messages = [{ role: "user" as const, content: "Count to a thousand, slowly." }];

describe("engine concurrency (max_num_seqs)", () => {
  it("runs at most maxNumSeqs requests at once and queues the rest FIFO", async () => {
    const sim = await startSimulator({ models: ["m"], maxNumSeqs: 2, ttftMs: 50 });
    try {
      let maxWaiting = 0;
      const sampler = setInterval(() => {
        maxWaiting = Math.max(maxWaiting, sim.stats().waiting);
      }, 5);
      const finishedOrder: number[] = [];
      const requests = Array.from({ length: 10 }, async (_, i) => {
        await sleep(i * 2); // stagger submission so the FIFO order is known
        const r = await client(sim).chat.completions.create({ model: "m", messages, max_tokens: 2 });
        finishedOrder.push(i);
        return r;
      });
      const replies = await Promise.all(requests);
      clearInterval(sampler);
      expect(replies.every((r) => r.usage!.completion_tokens === 2)).toBe(true);
      const stats = sim.stats();
      expect(stats.maxRunning).toBe(2);
      expect(maxWaiting).toBeGreaterThan(0);
      expect(stats.running).toBe(0);
      expect(stats.waiting).toBe(0);
      expect(stats.requestsTotal).toBe(10);
      // FIFO: the first two submitted finish before the last two.
      expect(finishedOrder.indexOf(0)).toBeLessThan(finishedOrder.indexOf(9));
      expect(finishedOrder.indexOf(1)).toBeLessThan(finishedOrder.indexOf(8));
      sim.resetStats();
      expect(sim.stats()).toEqual({ running: 0, waiting: 0, maxRunning: 0, requestsTotal: 0 });
    } finally {
      await sim.close();
    }
  });

  it("a client abort mid-stream frees the slot at once", async () => {
    const sim = await startSimulator({ models: ["m"], itlMs: 20 });
    try {
      const controller = new AbortController();
      const stream = await client(sim).chat.completions.create(
        { model: "m", messages, max_tokens: 2000, stream: true },
        { signal: controller.signal },
      );
      let received = 0;
      let runningBeforeAbort = -1;
      // The SDK ends the iteration quietly (or throws an abort error) once the signal fires.
      await (async () => {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) received++;
          if (received === 3) {
            runningBeforeAbort = sim.stats().running;
            controller.abort();
          }
        }
      })().catch(() => undefined);
      expect(received).toBe(3);
      expect(runningBeforeAbort).toBe(1);
      await waitFor(() => sim.stats().running === 0, 2000);
      // The engine is free for the next request.
      const next = await client(sim).chat.completions.create({ model: "m", messages, max_tokens: 1 });
      expect(next.usage!.completion_tokens).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it("a client that leaves while queued is dropped from the queue", async () => {
    const sim = await startSimulator({ models: ["m"], maxNumSeqs: 1, itlMs: 20 });
    try {
      const blocker = new AbortController();
      const first = fetch(`${sim.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages, max_tokens: 2000, stream: true }),
        signal: blocker.signal,
      });
      await waitFor(() => sim.stats().running === 1);
      const queued = new AbortController();
      const second = client(sim).chat.completions.create(
        { model: "m", messages, max_tokens: 1 },
        { signal: queued.signal },
      );
      await waitFor(() => sim.stats().waiting === 1);
      queued.abort();
      await expect(second).rejects.toThrow();
      await waitFor(() => sim.stats().waiting === 0, 2000);
      expect(sim.stats().running).toBe(1);
      blocker.abort();
      await first.then((r) => r.body?.cancel()).catch(() => undefined);
      await waitFor(() => sim.stats().running === 0, 2000);
      expect(sim.stats().maxRunning).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it("close() aborts in-flight streams and resolves", async () => {
    const sim = await startSimulator({ models: ["m"], itlMs: 50 });
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages, max_tokens: 5000, stream: true }),
    });
    expect(res.status).toBe(200);
    expect(sim.stats().running).toBe(1);
    const reading = res.text();
    await sim.close();
    await expect(reading).rejects.toThrow();
    expect(sim.stats().running).toBe(0);
    await expect(fetch(`${sim.url}/health`)).rejects.toThrow();
  });

  it("with zero delays it sustains many concurrent requests", async () => {
    const sim = await startSimulator({ models: ["m"], maxNumSeqs: 4 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          postJson(sim, "/v1/chat/completions", {
            model: "m",
            messages: [{ role: "user", content: `q${i}` }],
            stream: i % 2 === 0,
          }),
        ),
      );
      expect(replies.every((r) => r.status === 200)).toBe(true);
      expect(sim.stats().maxRunning).toBeLessThanOrEqual(4);
      expect(sim.stats()).toMatchObject({ running: 0, waiting: 0, requestsTotal: 200 });
    } finally {
      await sim.close();
    }
  });
});
