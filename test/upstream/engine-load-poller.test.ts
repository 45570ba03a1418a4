import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type RunningSim } from "../../src/sim/server.js";
import { EngineLoadPoller } from "../../src/upstream/engine-load-poller.js";
import { eventually } from "../helpers/gateway.js";
import { flush } from "../helpers/fake-clock.js";
import { harness } from "../scheduler/harness.js";

let sim: RunningSim | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

describe("engine load from /metrics", () => {
  it("reads an engine's running + waiting requests, and skips an unreachable one", async () => {
    sim = await startSimulator({ models: ["m"], maxNumSeqs: 1, ttftMs: 2000 });
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
    const calls = [0, 1].map(() =>
      fetch(`${sim!.url}/v1/chat/completions`, {
        method: "POST",
        body,
        signal: AbortSignal.timeout(300),
      }).catch(() => null),
    );
    await eventually(() => sim!.stats().waiting === 1);
    const seen = new Map<string, number>();
    const poller = new EngineLoadPoller({
      endpoints: [sim.url, "http://127.0.0.1:1"],
      intervalMs: 1000,
      timeoutMs: 500,
      onLoad: (url, n) => seen.set(url, n),
    });
    await poller.poll();
    expect([...seen]).toEqual([[sim.url, 2]]);
    await Promise.all(calls);
  });

  it("leaves the scheduler room only for what did not come through the gateway", async () => {
    const h = harness({ capacities: [4] });
    const mine = [h.request("a"), h.request("a")];
    await flush();
    expect(mine.every((t) => t.slot !== undefined)).toBe(true);
    await h.scheduler.observeEngineLoad("http://e0", 3); // 2 of ours + 1 from elsewhere
    const more = [h.request("a"), h.request("a")];
    await flush();
    expect(more.map((t) => t.slot !== undefined)).toEqual([true, false]);
  });
});
