import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLimiter } from "../../src/admission/redis/limiter.js";
import { REDIS_URL, redisAvailable } from "../helpers/redis.js";

// Redis-specific behaviour beyond the shared contract (limiter.contract.test.ts).
describe.skipIf(!redisAvailable)("RedisLimiter", () => {
  const prefix = `tgtest:${randomBytes(4).toString("hex")}:`;
  const T0 = Date.parse("2026-11-25T10:00:00Z");
  let limiter: RedisLimiter;
  let redis: Redis;
  let seq = 0;
  beforeAll(() => {
    limiter = new RedisLimiter({ url: REDIS_URL, keyPrefix: prefix });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await limiter.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const admit = (scope: string, now: number, limits: { requestsPerMinute?: number; dailyMicros?: number }) =>
    limiter.admit({
      id: `r${++seq}`,
      now,
      scopes: [{ scope, ...limits }],
      estimate: { tokens: 1, micros: 1 },
      leaseTtlMs: 30_000,
    });

  it("keeps GCRA exact when the limit does not divide a minute (no float drift)", async () => {
    const scope = `tenant:${randomBytes(4).toString("hex")}`;
    const first = await admit(scope, T0, { requestsPerMinute: 7 });
    expect(first.rate.requestsResetMs).toBe(8572); // ceil(60000 / 7)
    for (let i = 1; i < 7; i++) expect((await admit(scope, T0, { requestsPerMinute: 7 })).ok).toBe(true);
    expect(await admit(scope, T0, { requestsPerMinute: 7 })).toMatchObject({ ok: false, retryAfterMs: 8572 });
    expect((await admit(scope, T0 + 8571, { requestsPerMinute: 7 })).ok).toBe(false);
    // Saturated for 200 minutes: exactly 7 per minute, never 6 or 8.
    for (let minute = 1; minute <= 200; minute++) {
      const now = T0 + minute * 60_000;
      let admitted = 0;
      while ((await admit(scope, now, { requestsPerMinute: 7 })).ok) admitted++;
      expect(admitted).toBe(7);
    }
  });

  it("gives every key it writes an expiry", async () => {
    const scope = `tenant:${randomBytes(4).toString("hex")}`;
    const limits = { scope, requestsPerMinute: 10, tokensPerMinute: 1000, concurrentRequests: 5 };
    const full = { ...limits, dailyMicros: 100, monthlyMicros: 1000, alertThresholdPercent: 50 };
    const id = `r${++seq}`;
    await limiter.admit({ id, now: T0, scopes: [full], estimate: { tokens: 9, micros: 90 }, leaseTtlMs: 1 });
    await limiter.renew([{ id, scopes: [scope] }], T0, 30_000);
    await limiter.settle({ id, now: T0, scopes: [full], actual: { tokens: 9, micros: 90 } });
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThanOrEqual(7);
    for (const key of keys) expect(await redis.pttl(key), key).toBeGreaterThan(0);
  });
});
