import { describe, expect, it } from "vitest";
import { EndpointHealth } from "../../src/upstream/endpoint-health.js";
import { EndpointPicker } from "../../src/upstream/endpoint-picker.js";

describe("circuit breaker", () => {
  it("ejects after consecutive failures, allows one trial after the cooldown, and closes on success", () => {
    let now = 0;
    const ejected: string[] = [];
    const h = new EndpointHealth({
      failureThreshold: 3,
      cooldownMs: 1000,
      clock: () => now,
      onEject: (e) => ejected.push(e),
    });
    h.failure("a");
    h.failure("a");
    expect(h.available("a")).toBe(true);
    h.success("a"); // not consecutive any more
    h.failure("a");
    h.failure("a");
    h.failure("a");
    expect(h.available("a")).toBe(false);
    expect(ejected).toEqual(["a"]);
    now = 1000;
    expect(h.available("a")).toBe(true); // half-open
    h.begin("a");
    expect(h.available("a")).toBe(false); // one trial at a time
    h.failure("a");
    expect(h.available("a")).toBe(false);
    now = 2000;
    h.begin("a");
    h.success("a");
    expect(h.available("a")).toBe(true);
    h.checked("a", false);
    expect(h.available("a")).toBe(false);
  });
});

describe("endpoint picking", () => {
  it("prefers the least loaded, skips excluded and unhealthy ones, and panics to all when none is healthy", () => {
    const p = new EndpointPicker();
    p.acquire("a");
    p.acquire("a");
    p.acquire("b");
    expect(p.pick(["a", "b", "c"])).toBe("c");
    expect(p.pick(["a", "b", "c"], { exclude: new Set(["c"]) })).toBe("b");
    expect(p.pick(["a", "b", "c"], { available: (u) => u === "a" })).toBe("a");
    expect(p.pick(["a", "b"], { available: () => false })).toBe("b");
    expect(p.pick(["a"], { exclude: new Set(["a"]) })).toBeNull();
  });

  it("keeps a prefix on one endpoint while its load stays within the slack", () => {
    const p = new EndpointPicker();
    const urls = ["a", "b", "c", "d"];
    const first = p.pick(urls, { affinityKey: "tenant-salt\u0000prompt" })!;
    for (let i = 0; i < 4; i++) {
      expect(p.pick(urls, { affinityKey: "tenant-salt\u0000prompt" })).toBe(first);
      p.acquire(first);
    }
    p.acquire(first); // 5 in flight, others 0: beyond the slack of 4
    expect(p.pick(urls, { affinityKey: "tenant-salt\u0000prompt" })).not.toBe(first);
    const keys = new Set(
      Array.from({ length: 40 }, (_, i) => new EndpointPicker().pick(urls, { affinityKey: `k${i}` })),
    );
    expect(keys.size).toBeGreaterThan(1); // different prefixes spread out
  });
});
