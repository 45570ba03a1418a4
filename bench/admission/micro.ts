import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Limiter, ScopeLimits } from "../../src/admission/limiter.js";
import { summarize, type Summary } from "../overhead/stats.js";

export interface MicroResult {
  readonly admit: Summary;
  readonly settle: Summary;
  readonly opsPerSecond: number;
}

/** Every kind of limit on, none of them binding: the cost of checking all of them. */
export function allLimits(scope: string): ScopeLimits {
  return {
    scope,
    requestsPerMinute: 1e9,
    tokensPerMinute: 1e12,
    concurrentRequests: 1e6,
    dailyTokens: 1e15,
    monthlyTokens: 1e15,
    dailyMicros: 1e15,
    monthlyMicros: 1e15,
    alertThresholdPercent: 80,
  };
}

/** Admits and settles `n` requests one after another (one in flight), timing each call. */
export async function measureLimiter(limiter: Limiter, n: number, warmup: number): Promise<MicroResult> {
  const scopes = [allLimits(`tenant:bench-${randomBytes(4).toString("hex")}`)];
  const admit = new Float64Array(n);
  const settle = new Float64Array(n);
  const started = performance.now();
  for (let i = -warmup; i < n; i++) {
    const id = `b${i}-${randomBytes(3).toString("hex")}`;
    const now = Date.now();
    const t0 = performance.now();
    const r = await limiter.admit({
      id,
      now,
      scopes,
      estimate: { tokens: 600, micros: 9_000 },
      leaseTtlMs: 30_000,
    });
    const t1 = performance.now();
    if (!r.ok) throw new Error(`unexpected refusal: ${r.reason}`);
    await limiter.settle({ id, now, scopes, actual: { tokens: 420, micros: 6_300 } });
    const t2 = performance.now();
    if (i >= 0) {
      admit[i] = t1 - t0;
      settle[i] = t2 - t1;
    }
  }
  const elapsedS = (performance.now() - started) / 1000;
  return { admit: summarize(admit), settle: summarize(settle), opsPerSecond: (n + warmup) / elapsedS };
}
