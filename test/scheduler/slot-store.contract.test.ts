import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySlotStore } from "../../src/scheduler/memory/slot-store.js";
import type { Band } from "../../src/scheduler/policy.js";
import { RedisSlotStore } from "../../src/scheduler/redis/slot-store.js";
import type { Candidate, DispatchResult, SlotStore } from "../../src/scheduler/slot-store.js";
import { deleteKeys, REDIS_URL, redisAvailable } from "../helpers/redis.js";

interface Backend {
  name: string;
  available: boolean;
  make(): SlotStore;
  cleanup?(): Promise<void>;
}

const redisPrefix = `tgtest:${randomBytes(4).toString("hex")}:`;
const backends: Backend[] = [
  { name: "memory", available: true, make: () => new MemorySlotStore() },
  {
    name: "redis",
    available: redisAvailable,
    make: () => new RedisSlotStore({ url: REDIS_URL, keyPrefix: redisPrefix }),
    cleanup: () => deleteKeys(REDIS_URL, `${redisPrefix}*`),
  },
];

const T0 = Date.parse("2026-11-25T10:00:00Z");
const LEASE = 30_000;
const WAIT = 1_000;
let seq = 0;

function cand(tenant: string, o: Partial<Omit<Candidate, "tenant">> = {}): Candidate {
  return {
    tenant,
    band: 1,
    weight: 1,
    cost: 10,
    lease: `r${++seq}`,
    more: false,
    prefer: "",
    avoid: [],
    ...o,
  };
}

// One contract, both adapters; the Redis one on the real server.
describe.each(backends)("slot store contract: $name", (backend) => {
  let store: SlotStore;
  let pool: string;
  let ep: string[];
  beforeAll(() => {
    if (backend.available) store = backend.make();
  });
  afterAll(async () => {
    if (!backend.available) return;
    await store.close();
    await backend.cleanup?.();
  });
  const fresh = () => {
    pool = `pool-${randomBytes(4).toString("hex")}`;
    ep = [`http://e1-${pool}:8000`, `http://e2-${pool}:8000`];
  };
  const dispatch = (
    candidates: Candidate[],
    o: { now?: number; replica?: string; caps?: number[]; limit?: number } = {},
  ): Promise<DispatchResult> =>
    store.dispatch({
      pool,
      replica: o.replica ?? "r1",
      now: o.now ?? T0,
      candidates,
      endpoints: (o.caps ?? [2]).map((capacity, i) => ({ url: ep[i]!, capacity })),
      leaseTtlMs: LEASE,
      waitTtlMs: WAIT,
      starvationLimit: o.limit ?? 5,
    });
  const release = (
    g: DispatchResult,
    o: { correction?: number; holdMs?: number; now?: number; band?: Band; caps?: number[] } = {},
  ) => {
    if (g.kind !== "granted") throw new Error(`not granted: ${g.kind}`);
    return store.release({
      pool,
      endpoints: (o.caps ?? [2]).map((capacity, i) => ({ url: ep[i]!, capacity })),
      endpoint: g.endpoint,
      lease: g.lease,
      tenant: g.tenant,
      band: o.band ?? 1,
      now: o.now ?? T0,
      correction: o.correction ?? 0,
      holdMs: o.holdMs ?? 0,
      starvationLimit: 5,
    });
  };
  const tenantOf = (r: DispatchResult) => (r.kind === "granted" ? r.tenant : r.kind);
  const test = it.skipIf(!backend.available);

  test("grants slots up to capacity, most free endpoint first, and frees them on release", async () => {
    fresh();
    const grants = [];
    for (let i = 0; i < 3; i++) grants.push(await dispatch([cand("a")], { caps: [2, 1] }));
    expect(grants.map((g) => (g.kind === "granted" ? g.endpoint : g.kind))).toEqual([ep[0], ep[0], ep[1]]);
    expect((await dispatch([cand("a")], { caps: [2, 1] })).kind).toBe("full");
    expect(await store.inFlight(ep, T0)).toEqual([2, 1]);
    await release(grants[0]!);
    await release(grants[0]!); // idempotent
    expect(await store.inFlight(ep, T0)).toEqual([1, 1]);
    expect((await dispatch([cand("a")], { caps: [2, 1] })).kind).toBe("granted");
  });

  test("expires leases a lease TTL after grant or renewal", async () => {
    fresh();
    const a = await dispatch([cand("a")], { caps: [1] });
    expect((await dispatch([cand("a")], { caps: [1], now: T0 + LEASE - 1 })).kind).toBe("full");
    if (a.kind !== "granted") throw new Error("not granted");
    await store.renew([{ endpoint: a.endpoint, lease: a.lease, tenant: "a" }], T0 + LEASE - 1, LEASE);
    expect((await dispatch([cand("a")], { caps: [1], now: T0 + LEASE + 10 })).kind).toBe("full");
    expect((await dispatch([cand("a")], { caps: [1], now: T0 + 2 * LEASE })).kind).toBe("granted");
  });

  test("serves the lowest counter first, charges cost ÷ weight, and corrects at release", async () => {
    fresh();
    const a = (caps = 9) => dispatch([cand("a", { cost: 40, weight: 2, more: true })], { caps: [caps] });
    const b = (caps = 9) => dispatch([cand("b", { cost: 30, more: true })], { replica: "r2", caps: [caps] });
    expect((await a(0)).kind).toBe("full");
    expect((await b(0)).kind).toBe("full");
    expect(tenantOf(await a())).toBe("a"); // a 20, b 0
    expect(tenantOf(await a())).toBe("yield");
    const granted = await b(); // b 30
    expect(tenantOf(granted)).toBe("b");
    expect(tenantOf(await b())).toBe("yield");
    expect(tenantOf(await a())).toBe("a"); // a 40
    expect(await store.counters(pool)).toEqual({ a: 40, b: 30 });
    await release(granted, { correction: -25 }); // b 5
    expect(tenantOf(await b())).toBe("b"); // b 35
    expect(tenantOf(await b())).toBe("b"); // b 65
    expect(tenantOf(await b())).toBe("yield");
    const c = await store.counters(pool);
    expect([c.a, c.b]).toEqual([40, 65]);
  });

  test("lifts a tenant that starts waiting to the band's lowest waiting counter less its own request", async () => {
    fresh();
    for (let i = 0; i < 5; i++) await dispatch([cand("a", { cost: 100 })], { caps: [100] });
    expect((await dispatch([cand("a", { more: true }), cand("b", { more: true })], { caps: [5] })).kind).toBe(
      "full",
    );
    const c = await store.counters(pool);
    expect(c.b).toBeCloseTo(490); // a's 500 less b's own request (10): b goes next, no more credit
    // a low-band tenant is not lifted to the medium band's counters
    await dispatch([cand("a", { more: true }), cand("b", { more: true }), cand("z", { band: 2 })], {
      caps: [5],
    });
    expect((await store.counters(pool)).z ?? 0).toBe(0);
  });

  test("lifts a tenant to the last counter that left (less its request) when nobody waits", async () => {
    fresh();
    await dispatch([cand("a", { cost: 70 })], { caps: [5] });
    await dispatch([cand("b")], { caps: [5] });
    expect((await store.counters(pool)).b).toBeCloseTo(70 - 10 + 10);
  });

  test("serves higher bands first but gives a waiting lower band one dispatch after `limit` others", async () => {
    fresh();
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      const g = await dispatch([cand("hi", { band: 0, more: true }), cand("lo", { band: 2, more: true })], {
        caps: [100],
        limit: 3,
      });
      order.push(tenantOf(g));
    }
    expect(order).toEqual(["hi", "hi", "hi", "lo", "hi", "hi", "hi", "lo"]);
  });

  test("yields to a tenant waiting on another replica until its entry expires or is withdrawn", async () => {
    fresh();
    await dispatch([cand("x", { cost: 50 })], { caps: [9] });
    // a starts waiting on r2 at x's counter; ties go to the smaller id
    expect((await dispatch([cand("a", { more: true })], { replica: "r2", caps: [0] })).kind).toBe("full");
    expect(tenantOf(await dispatch([cand("x")], { caps: [9] }))).toBe("yield");
    expect(tenantOf(await dispatch([cand("x")], { caps: [9], now: T0 + WAIT + 1 }))).toBe("x");
    expect((await dispatch([cand("a", { more: true })], { replica: "r2", caps: [0] })).kind).toBe("full");
    expect(tenantOf(await dispatch([cand("x")], { caps: [9] }))).toBe("yield");
    await store.withdraw(pool, "r2", "a", 1, T0);
    expect(tenantOf(await dispatch([cand("x")], { caps: [9] }))).toBe("x");
  });

  test("holds a released slot for its tenant when it would go next; only that tenant takes it", async () => {
    fresh();
    const b = await dispatch([cand("b")], { caps: [2] });
    await dispatch([cand("a", { cost: 50 })], { caps: [2] });
    expect((await dispatch([cand("a", { more: true })], { caps: [2] })).kind).toBe("full");
    expect(await release(b, { holdMs: 50 })).toBe(true);
    expect(await store.inFlight(ep, T0)).toEqual([2, 0]);
    expect((await dispatch([cand("a", { more: true })], { caps: [2] })).kind).toBe("full");
    expect(tenantOf(await dispatch([cand("b")], { replica: "r2", caps: [2] }))).toBe("b");
    expect(await store.inFlight(ep, T0)).toEqual([2, 0]);
    expect((await dispatch([cand("a", { more: true })], { caps: [2] })).kind).toBe("full");
  });

  test("gives an untaken hold away after holdMs", async () => {
    fresh();
    const b = await dispatch([cand("b")], { caps: [2] });
    await dispatch([cand("a", { cost: 50 })], { caps: [2] });
    expect((await dispatch([cand("a", { more: true })], { caps: [2] })).kind).toBe("full");
    expect(await release(b, { holdMs: 50 })).toBe(true);
    expect((await dispatch([cand("a", { more: true })], { caps: [2], now: T0 + 49 })).kind).toBe("full");
    expect(tenantOf(await dispatch([cand("a", { more: true })], { caps: [2], now: T0 + 50 }))).toBe("a");
  });

  test("does not hold when nobody waits, or the tenant is ahead and has its share of slots", async () => {
    fresh();
    const b = await dispatch([cand("b")], { caps: [2] });
    expect(await release(b, { holdMs: 50 })).toBe(false); // nobody waits
    const b2 = await dispatch([cand("b")], { caps: [2] });
    await dispatch([cand("a")], { caps: [2] });
    expect((await dispatch([cand("a", { more: true })], { caps: [2] })).kind).toBe("full");
    // b is above a and, once released, holds 0 of 2 slots: its share (1) says hold…
    expect(await release(b2, { holdMs: 50, correction: 100 })).toBe(true);
    // …but with 3 of 4 slots it is over its share (2)
    fresh();
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await dispatch([cand("b", { cost: 100 })], { caps: [4] }));
    await dispatch([cand("a")], { caps: [4] });
    expect((await dispatch([cand("a", { more: true })], { caps: [4] })).kind).toBe("full");
    expect(await release(held[0]!, { holdMs: 50, caps: [4], correction: 100 })).toBe(false);
    expect(tenantOf(await dispatch([cand("a", { more: true })], { caps: [4] }))).toBe("a");
  });

  test("holds for a tenant below its weighted share of slots even when its counter is not the lowest", async () => {
    fresh();
    const b = await dispatch([cand("b", { cost: 500 })], { caps: [4] });
    for (let i = 0; i < 3; i++) await dispatch([cand("a", { weight: 3 })], { caps: [4] });
    expect((await dispatch([cand("a", { weight: 3, more: true })], { caps: [4] })).kind).toBe("full");
    // b (weight 1) is far above a, but a has 3 of 4 slots; b's share is 4 × 1/4 = 1 and it has 0
    expect(await release(b, { holdMs: 50, caps: [4] })).toBe(true);
    expect((await dispatch([cand("a", { weight: 3, more: true })], { caps: [4] })).kind).toBe("full");
    expect(tenantOf(await dispatch([cand("b")], { caps: [4], replica: "r2" }))).toBe("b");
  });
});
