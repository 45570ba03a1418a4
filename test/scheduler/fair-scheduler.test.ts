import { describe, expect, it } from "vitest";
import { MemorySlotStore } from "../../src/scheduler/memory/slot-store.js";
import { flush } from "../helpers/fake-clock.js";
import { asyncOnly, harness } from "./harness.js";

const count = (xs: readonly string[], x: string) => xs.filter((y) => y === x).length;

// The memory store answers synchronously (the scheduler's fast path for an uncontended request);
// asyncOnly() answers like Redis. Both must give the same order.
const STORES = [
  ["synchronous store", () => new MemorySlotStore()],
  ["asynchronous store", () => asyncOnly(new MemorySlotStore())],
] as const;

describe.each(STORES)("fair scheduler: order (%s)", (_name, makeStore) => {
  const make = (o: Parameters<typeof harness>[0] = {}) => harness({ ...o, store: makeStore() });

  it("is work-conserving: a lone tenant gets every slot, the rest wait in arrival order", async () => {
    const h = make({ capacities: [2] });
    const tickets = Array.from({ length: 5 }, () => h.request("a"));
    await flush();
    expect(h.granted.map((t) => t.id)).toEqual([tickets[0]!.id, tickets[1]!.id]);
    await h.finishOldest();
    await h.finishOldest();
    expect(h.granted.map((t) => t.id)).toEqual(tickets.slice(0, 4).map((t) => t.id));
    expect(h.scheduler.snapshot().pools[0]).toMatchObject({ queued: 1, endpoints: [{ inFlight: 2 }] });
  });

  it("shares a saturated pool by weight: 2:1 weights get 2:1 slots", async () => {
    const h = make({ capacities: [1], weights: { heavy: 2, light: 1 } });
    for (let i = 0; i < 40; i++) h.request("heavy");
    for (let i = 0; i < 40; i++) h.request("light");
    for (let i = 0; i < 30; i++) await h.finishOldest();
    const next = h.granted.slice(1, 31).map((t) => t.tenant);
    expect(count(next, "heavy")).toBeGreaterThanOrEqual(19);
    expect(count(next, "heavy")).toBeLessThanOrEqual(21);
  });

  it("gives a tenant that becomes active no credit for its idle time", async () => {
    const h = make({ capacities: [1] });
    for (let i = 0; i < 30; i++) h.request("busy");
    for (let i = 0; i < 25; i++) await h.finishOldest(); // busy alone: its counter grows
    for (let i = 0; i < 20; i++) h.request("newcomer");
    const before = h.granted.length;
    for (let i = 0; i < 10; i++) await h.finishOldest();
    const next = h.granted.slice(before).map((t) => t.tenant);
    expect(count(next, "busy")).toBeGreaterThanOrEqual(4);
    expect(count(next, "newcomer")).toBeGreaterThanOrEqual(4);
  });

  it("charges real usage: a tenant that used less than its estimate is served sooner", async () => {
    const h = make({ capacities: [1] });
    h.request("z", { outputTokens: 1000 }); // estimated 10 + 2 × 1000
    h.request("b"); // starts waiting just below z's counter
    h.request("z", { outputTokens: 1000 });
    await flush();
    await h.finish(h.granted[0]!, { input: 10, output: 0 }); // z used almost nothing
    await h.finishOldest();
    // charged its estimate, z would stay above b, and b would go first
    expect(h.granted.map((t) => t.tenant)).toEqual(["z", "z", "b"]);
  });

  it("serves higher priority first, but a waiting lower band gets one slot after 5 others", async () => {
    const h = make({ capacities: [1] });
    h.request("filler");
    await flush();
    for (let i = 0; i < 12; i++) h.request("hi", { priority: "high" });
    for (let i = 0; i < 3; i++) h.request("mid", { priority: "medium" });
    for (let i = 0; i < 3; i++) h.request("lo", { priority: "low" });
    for (let i = 0; i < 14; i++) await h.finishOldest();
    // each lower band waits through at most 5 dispatches of higher bands
    expect(h.granted.slice(1).map((t) => t.tenant[0])).toEqual("hhhhhlmhhhhlhm".split(""));
  });

  it("honours a configured starvation limit", async () => {
    const h = make({ capacities: [1], settings: { starvationLimit: 2 } });
    h.request("filler");
    await flush();
    for (let i = 0; i < 6; i++) h.request("hi", { priority: "high" });
    for (let i = 0; i < 3; i++) h.request("lo", { priority: "low" });
    for (let i = 0; i < 9; i++) await h.finishOldest();
    expect(h.granted.slice(1).map((t) => t.tenant)).toEqual([
      "hi",
      "hi",
      "lo",
      "hi",
      "hi",
      "lo",
      "hi",
      "hi",
      "lo",
    ]);
  });

  it("keeps a finished slot briefly for its tenant's next request when it is behind (anticipation)", async () => {
    const h = make({ capacities: [2], settings: { anticipationMs: 50 } });
    const b = h.request("b");
    const a = h.request("a");
    for (let i = 0; i < 5; i++) h.request("a");
    await h.finish(a); // a gets its slot back: a is now ahead of b
    expect(h.granted.map((t) => t.tenant)).toEqual(["b", "a", "a"]);
    await h.finish(b);
    expect(h.granted).toHaveLength(3); // held for b, a waits
    await h.clock.advance(10);
    h.request("b");
    await flush();
    expect(h.granted.map((t) => t.tenant)).toEqual(["b", "a", "a", "b"]);
  });

  it("gives a held slot away when its tenant does not come back in time", async () => {
    const h = make({ capacities: [2], settings: { anticipationMs: 50 } });
    const b = h.request("b");
    const a = h.request("a");
    for (let i = 0; i < 5; i++) h.request("a");
    await h.finish(a);
    await h.finish(b);
    await h.clock.advance(49);
    expect(h.granted).toHaveLength(3);
    await h.clock.advance(1);
    expect(h.granted.map((t) => t.tenant)).toEqual(["b", "a", "a", "a"]);
  });

  it("does not hold slots when anticipation is off", async () => {
    const h = make({ capacities: [2] });
    const b = h.request("b");
    const a = h.request("a");
    for (let i = 0; i < 5; i++) h.request("a");
    await h.finish(a);
    await h.finish(b);
    expect(h.granted.map((t) => t.tenant)).toEqual(["b", "a", "a", "a"]);
  });
});

describe("fair scheduler: fast path", () => {
  it("grants an uncontended request at once when the store answers synchronously: no wait timer, nothing queued", async () => {
    const h = harness({ capacities: [1] });
    const armed = h.clock.pending; // the lease renewal
    const a = h.request("a");
    expect(h.clock.pending).toBe(armed);
    expect(h.scheduler.snapshot().pools[0]!.queued).toBe(0);
    const b = h.request("b"); // the pool is full: b queues, with its max-wait timer
    expect(h.clock.pending).toBe(armed + 1);
    await flush();
    expect(a.slot?.endpoint).toBe("http://e0");
    await h.finish(a);
    expect(b.slot?.endpoint).toBe("http://e0");
    expect(h.clock.pending).toBe(armed);
  });

  it("charges the same counters as a grant through the queue", async () => {
    const counters = async (store: ReturnType<(typeof STORES)[number][1]>) => {
      const h = harness({ capacities: [2], store });
      for (const t of ["a", "b", "a", "c"]) {
        const x = h.request(t, { inputTokens: t.charCodeAt(0), outputTokens: 7 });
        await flush();
        await h.finish(x, { input: 5, output: t === "b" ? 1 : 9 });
      }
      return h.store.counters("m");
    };
    expect(await counters(new MemorySlotStore())).toEqual(await counters(asyncOnly(new MemorySlotStore())));
  });
});
