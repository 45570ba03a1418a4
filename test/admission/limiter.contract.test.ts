import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Amount, Limiter, ScopeLimits } from "../../src/admission/limiter.js";
import { MemoryLimiter } from "../../src/admission/memory/limiter.js";
import { RedisLimiter } from "../../src/admission/redis/limiter.js";
import { deleteKeys, REDIS_URL, redisAvailable } from "../helpers/redis.js";

interface Backend {
  name: string;
  available: boolean;
  make(): Limiter;
  cleanup?(): Promise<void>;
}

const redisPrefix = `tgtest:${randomBytes(4).toString("hex")}:`;

const backends: Backend[] = [
  { name: "memory", available: true, make: () => new MemoryLimiter() },
  {
    name: "redis",
    available: redisAvailable,
    make: () => new RedisLimiter({ url: REDIS_URL, keyPrefix: redisPrefix }),
    cleanup: () => deleteKeys(REDIS_URL, `${redisPrefix}*`),
  },
];

const T0 = Date.parse("2026-11-25T10:00:00Z");
const TTL = 30_000;
const est = (tokens: number, micros = 0): Amount => ({ tokens, micros });
let seq = 0;
const nextId = () => `req-${++seq}`;

// One contract, both adapters; the Redis one on the real server.
describe.each(backends)("limiter contract: $name", (backend) => {
  let limiter: Limiter;
  const scope = (limits: Omit<ScopeLimits, "scope">): ScopeLimits => ({
    scope: `tenant:${randomBytes(4).toString("hex")}`,
    ...limits,
  });

  beforeAll(() => {
    if (backend.available) limiter = backend.make();
  });
  afterAll(async () => {
    if (!backend.available) return;
    await limiter.close();
    await backend.cleanup?.();
  });

  const admit = (scopes: ScopeLimits[], e: Amount, now = T0, id = nextId()) =>
    limiter.admit({ id, now, scopes, estimate: e, leaseTtlMs: TTL }).then((r) => ({ ...r, id }));
  const settle = (scopes: ScopeLimits[], id: string, actual: Amount, now = T0) =>
    limiter.settle({ id, now, scopes, actual });

  it.skipIf(!backend.available)(
    "spaces requests per minute by GCRA, without a boundary double burst",
    async () => {
      const s = scope({ requestsPerMinute: 3 });
      for (let i = 0; i < 3; i++) expect((await admit([s], est(1))).ok).toBe(true);
      const refused = await admit([s], est(1));
      expect(refused).toMatchObject({ ok: false, reason: "requests_per_minute", scope: s.scope });
      if (!refused.ok) expect(refused.retryAfterMs).toBe(20_000);
      // A new "minute" brings back only what has been earned since: one request per 20 s.
      expect((await admit([s], est(1), T0 + 19_999)).ok).toBe(false);
      expect((await admit([s], est(1), T0 + 20_000)).ok).toBe(true);
      expect((await admit([s], est(1), T0 + 20_001)).ok).toBe(false);
    },
  );

  it.skipIf(!backend.available)(
    "admits tokens per minute at the estimate and refunds at settlement",
    async () => {
      const s = scope({ tokensPerMinute: 1000 });
      const a = await admit([s], est(600));
      expect(a.ok).toBe(true);
      expect(a.rate).toMatchObject({ tokensLimit: 1000, tokensRemaining: 400 });
      expect(await admit([s], est(600))).toMatchObject({ ok: false, reason: "tokens_per_minute" });
      await settle([s], a.id, est(100));
      const b = await admit([s], est(600));
      expect(b.ok).toBe(true);
      expect(b.rate.tokensRemaining).toBe(300);
    },
  );

  it.skipIf(!backend.available)("refuses without consuming anything (admission is atomic)", async () => {
    const s = scope({ requestsPerMinute: 2, tokensPerMinute: 100 });
    expect(await admit([s], est(500))).toMatchObject({ ok: false, reason: "tokens_per_minute" });
    expect((await admit([s], est(10))).ok).toBe(true);
    expect((await admit([s], est(10))).ok).toBe(true);
    expect(await admit([s], est(10))).toMatchObject({ ok: false, reason: "requests_per_minute" });
  });

  it.skipIf(!backend.available)("holds concurrency as leases that settle or expire", async () => {
    const s = scope({ concurrentRequests: 2 });
    const a = await admit([s], est(1));
    const b = await admit([s], est(1));
    expect(a.ok && b.ok).toBe(true);
    expect(await admit([s], est(1))).toMatchObject({ ok: false, reason: "concurrent_requests" });
    await settle([s], a.id, est(1));
    expect((await admit([s], est(1))).ok).toBe(true);
    // b and the new one are live; after the TTL (a crashed replica) both slots come back.
    expect((await admit([s], est(1), T0 + TTL - 1)).ok).toBe(false);
    expect((await admit([s], est(1), T0 + TTL + 1)).ok).toBe(true);
  });

  it.skipIf(!backend.available)("renews leases of long requests", async () => {
    const s = scope({ concurrentRequests: 1 });
    const a = await admit([s], est(1));
    await limiter.renew([{ id: a.id, scopes: [s.scope] }], T0 + 20_000, TTL);
    expect((await admit([s], est(1), T0 + TTL + 1)).ok).toBe(false);
    expect((await admit([s], est(1), T0 + 20_000 + TTL + 1)).ok).toBe(true);
  });

  it.skipIf(!backend.available)("admits exactly the concurrency limit under a burst", async () => {
    const s = scope({ concurrentRequests: 10 });
    const results = await Promise.all(Array.from({ length: 50 }, () => admit([s], est(1))));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
  });

  it.skipIf(!backend.available)(
    "counts reservations against daily token quotas and resets at 00:00 UTC",
    async () => {
      const s = scope({ dailyTokens: 1000 });
      const a = await admit([s], est(600));
      expect(a.ok).toBe(true);
      expect(await admit([s], est(600))).toMatchObject({ ok: false, reason: "daily_tokens" });
      await settle([s], a.id, est(300));
      const b = await admit([s], est(600));
      expect(b.ok).toBe(true);
      await settle([s], b.id, est(600));
      expect(await limiter.usage(s.scope, T0)).toMatchObject({ dailyTokens: 900, monthlyTokens: 900 });
      expect(await admit([s], est(200))).toMatchObject({ ok: false, reason: "daily_tokens" });
      const midnight = Date.parse("2026-11-26T00:00:00Z");
      expect((await admit([s], est(200), midnight - 1)).ok).toBe(false);
      expect((await admit([s], est(200), midnight)).ok).toBe(true);
    },
  );

  it.skipIf(!backend.available)("enforces monthly quotas and budgets across days", async () => {
    const s = scope({ monthlyTokens: 1000, dailyMicros: 5_000, monthlyMicros: 8_000 });
    const a = await admit([s], est(400, 4_000));
    await settle([s], a.id, est(400, 4_000));
    expect(await admit([s], est(100, 1_001))).toMatchObject({ ok: false, reason: "daily_budget" });
    const day2 = T0 + 86_400_000;
    const b = await admit([s], est(500, 4_000), day2);
    expect(b.ok).toBe(true);
    await settle([s], b.id, est(500, 4_000), day2);
    expect(await admit([s], est(101, 0), day2)).toMatchObject({ ok: false, reason: "monthly_tokens" });
    expect(await admit([s], est(1, 1), day2)).toMatchObject({ ok: false, reason: "monthly_budget" });
    expect(await admit([s], est(1, 0), day2)).toMatchObject({ ok: true });
    const nextMonth = Date.parse("2026-12-01T00:00:00Z");
    expect((await admit([s], est(900, 5_000), nextMonth)).ok).toBe(true);
  });

  it.skipIf(!backend.available)(
    "never lets budget reservations overshoot, yet admits while room remains",
    async () => {
      const s = scope({ dailyMicros: 10_000 });
      const admitted = [];
      for (let i = 0; i < 12; i++) {
        const r = await admit([s], est(10, 1_000));
        if (r.ok) admitted.push(r.id);
      }
      expect(admitted).toHaveLength(10);
      for (const id of admitted) await settle([s], id, est(5, 400));
      expect((await limiter.usage(s.scope, T0)).dailyMicros).toBe(4_000);
      // 6,000 µ$ left: six more worst cases fit, the seventh does not.
      const more = [];
      for (let i = 0; i < 7; i++) more.push((await admit([s], est(10, 1_000))).ok);
      expect(more).toEqual([true, true, true, true, true, true, false]);
    },
  );

  it.skipIf(!backend.available)("settles each reservation once, even when retried", async () => {
    const s = scope({ dailyTokens: 10_000 });
    const a = await admit([s], est(100));
    await settle([s], a.id, est(70, 7));
    await settle([s], a.id, est(70, 7));
    expect(await limiter.usage(s.scope, T0)).toMatchObject({ dailyTokens: 70, dailyMicros: 7 });
  });

  it.skipIf(!backend.available)("still charges a settlement whose lease expired", async () => {
    const s = scope({ dailyTokens: 10_000, concurrentRequests: 1 });
    const a = await admit([s], est(100));
    const late = T0 + TTL + 5;
    expect((await admit([s], est(1), late)).ok).toBe(true); // lease expired, slot reused
    await settle([s], a.id, est(42), late);
    expect((await limiter.usage(s.scope, late)).dailyTokens).toBe(42);
  });

  it.skipIf(!backend.available)(
    "checks every scope: a key's lower limit refuses while its tenant has room",
    async () => {
      const tenant = scope({ requestsPerMinute: 100 });
      const key = { ...scope({ requestsPerMinute: 1 }), scope: `key:${randomBytes(4).toString("hex")}` };
      expect((await admit([tenant, key], est(1))).ok).toBe(true);
      expect(await admit([tenant, key], est(1))).toMatchObject({ ok: false, scope: key.scope });
      expect((await admit([tenant], est(1))).ok).toBe(true);
    },
  );

  it.skipIf(!backend.available)(
    "reports a budget alert once per period when spend crosses the threshold",
    async () => {
      const s = scope({ dailyMicros: 1_000, monthlyMicros: 10_000, alertThresholdPercent: 80 });
      const spend = async (micros: number, now = T0) => {
        const r = await admit([s], est(1, micros), now);
        expect(r.ok).toBe(true);
        return (await settle([s], r.id, est(1, micros), now)).scopes[0]!;
      };
      expect((await spend(700)).alerts).toEqual([]);
      const crossed = await spend(200);
      expect(crossed.alerts).toEqual(["daily"]);
      expect(crossed.dailyMicros).toBe(900);
      expect((await spend(50)).alerts).toEqual([]);
      const day2 = T0 + 86_400_000;
      expect((await spend(850, day2)).alerts).toEqual(["daily"]);
    },
  );

  it.skipIf(!backend.available)("exposes rate state for the x-ratelimit headers", async () => {
    const s = scope({ requestsPerMinute: 60, tokensPerMinute: 6000 });
    const r = await admit([s], est(600));
    expect(r.rate).toEqual({
      requestsLimit: 60,
      requestsRemaining: 59,
      requestsResetMs: 1000,
      tokensLimit: 6000,
      tokensRemaining: 5400,
      tokensResetMs: 6000,
    });
  });
});
