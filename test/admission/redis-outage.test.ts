import { afterEach, describe, expect, it } from "vitest";
import type { AdmitRequest } from "../../src/admission/limiter.js";
import { RedisLimiter } from "../../src/admission/redis/limiter.js";
import { freePort, redisServerBinary, ThrowawayRedis } from "../helpers/redis.js";

/** Generous sanity bound: a dead Redis must answer with an error, never hang the gateway. */
const FAST_MS = 2_000;
let seq = 0;
const request = (): AdmitRequest => ({
  id: `outage-${++seq}`,
  now: Date.now(),
  scopes: [{ scope: "tenant:outage", requestsPerMinute: 1_000, concurrentRequests: 100 }],
  estimate: { tokens: 10, micros: 10 },
  leaseTtlMs: 30_000,
});

async function rejectsFast(limiter: RedisLimiter): Promise<void> {
  const started = performance.now();
  await expect(limiter.admit(request())).rejects.toThrow();
  expect(performance.now() - started).toBeLessThan(FAST_MS);
}

describe("RedisLimiter when Redis is down", () => {
  let limiter: RedisLimiter | undefined;
  let redis: ThrowawayRedis | undefined;
  afterEach(async () => {
    await limiter?.close();
    await redis?.stop();
    limiter = redis = undefined;
  });

  it("rejects quickly, without hanging, when nothing listens", async () => {
    limiter = new RedisLimiter({ url: "redis://127.0.0.1:1/0" });
    await rejectsFast(limiter); // during the first connection attempt
    await rejectsFast(limiter); // while reconnecting in the background
  });

  it.skipIf(!redisServerBinary)(
    "fails fast while Redis is gone and resumes on its own when it returns",
    async () => {
      redis = new ThrowawayRedis(await freePort());
      await redis.start();
      limiter = new RedisLimiter({ url: redis.url });
      expect((await limiter.admit(request())).ok).toBe(true);

      await redis.stop();
      await rejectsFast(limiter);
      await rejectsFast(limiter);

      await redis.start();
      const deadline = Date.now() + 15_000;
      let result = await limiter.admit(request()).catch(() => undefined);
      while (result === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        result = await limiter.admit(request()).catch(() => undefined);
      }
      expect(result?.ok).toBe(true);
    },
  );
});
