/**
 * The Redis adapter of the limiter port, shared by any number of gateway replicas. Every admission
 * and every settlement is one atomic Lua script (scripts.ts) over all the request's scopes, on a
 * single-node Redis (not Cluster). All time comes from the caller's `now`.
 *
 * Key layout, per scope, under the root `<prefix>{<scope>}` (prefix defaults to "tollgate:"):
 *   :leases            ZSET   reservation id → lease expiry (ms); concurrency = live members
 *   :resv              HASH   reservation id → "tokens micros YYYY-MM-DD YYYY-MM" (admission periods)
 *   :reserved          HASH   tokens, micros: sum of the live reservations
 *   :d:YYYY-MM-DD      HASH   tokens, micros settled that UTC day (kept 3 days)
 *   :m:YYYY-MM         HASH   tokens, micros settled that UTC month (kept 70 days)
 *   :rpm, :tpm         STRING GCRA theoretical arrival time "ms:rem:limit" (kept 61 s beyond it)
 *   :alert:d:<day>     STRING budget alert sent for that day (SET NX: once across replicas)
 *   :alert:m:<month>   STRING same for the month
 * The three reservation keys expire together one day (plus a lease TTL) after their last write.
 * Per request: `<prefix>done:<id>` (SET NX, 10 minutes) makes a retried settlement idempotent.
 */
import type { Redis } from "ioredis";
import type {
  AdmitRequest,
  AdmitResult,
  Amount,
  Lease,
  LimitReason,
  Limiter,
  RateState,
  ScopeLimits,
  ScopeSpend,
  SettleRequest,
  SettleResult,
} from "../limiter.js";
import { dayKey, monthKey, nextDayStart, nextMonthStart } from "../periods.js";
import { closeClient, createFailFastClient, integers, LuaScript } from "./client.js";
import { ADMIT_LUA, RENEW_LUA, SETTLE_LUA, USAGE_LUA } from "./scripts.js";

export interface RedisLimiterOptions {
  readonly url: string;
  /** Default "tollgate:". */
  readonly keyPrefix?: string;
  /** Default 500. */
  readonly commandTimeoutMs?: number;
}

const REASONS: readonly LimitReason[] = [
  "requests_per_minute",
  "tokens_per_minute",
  "concurrent_requests",
  "daily_tokens",
  "monthly_tokens",
  "daily_budget",
  "monthly_budget",
];
/** Settled ids are remembered this long so a retried settlement is not charged twice (bounded memory). */
const DONE_TTL_MS = 600_000;
/** Reservation keys (leases, records, sums) outlive their last write by this plus the lease TTL. */
const KEEP_MS = 86_400_000;
const admitScript = new LuaScript(ADMIT_LUA);
const settleScript = new LuaScript(SETTLE_LUA);
const renewScript = new LuaScript(RENEW_LUA);
const usageScript = new LuaScript(USAGE_LUA);

const opt = (n: number | undefined): string | number => n ?? "";

function whole(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer`);
  return n;
}

function amount(a: Amount): [number, number] {
  return [whole(a.tokens, "tokens"), whole(a.micros, "micros")];
}

function rateState(v: readonly number[], at: number): RateState {
  const rate: { -readonly [K in keyof RateState]: RateState[K] } = {};
  if (v[at]! >= 0) {
    rate.requestsLimit = v[at];
    rate.requestsRemaining = v[at + 1];
    rate.requestsResetMs = v[at + 2];
  }
  if (v[at + 3]! >= 0) {
    rate.tokensLimit = v[at + 3];
    rate.tokensRemaining = v[at + 4];
    rate.tokensResetMs = v[at + 5];
  }
  return rate;
}

/** Script replies carry, per scope: daily micros, monthly micros, daily tokens, monthly tokens. */
function spend(scope: string, v: readonly number[], at: number): Omit<ScopeSpend, "alerts"> {
  const [dailyMicros = 0, monthlyMicros = 0, dailyTokens = 0, monthlyTokens = 0] = v.slice(at, at + 4);
  return { scope, dailyMicros, monthlyMicros, dailyTokens, monthlyTokens };
}

export class RedisLimiter implements Limiter {
  private readonly client: Redis;
  private readonly prefix: string;

  constructor(options: RedisLimiterOptions) {
    this.prefix = options.keyPrefix ?? "tollgate:";
    this.client = createFailFastClient(options.url, options.commandTimeoutMs ?? 500);
  }

  private root(scope: string): string {
    return `${this.prefix}{${scope}}`;
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    const { now, scopes, leaseTtlMs } = request;
    whole(now, "now");
    if (scopes.length === 0) return { ok: true, rate: {} };
    const limits = scopes.flatMap((s) => [
      opt(s.requestsPerMinute),
      opt(s.tokensPerMinute),
      opt(s.concurrentRequests),
      opt(s.dailyTokens),
      opt(s.monthlyTokens),
      opt(s.dailyMicros),
      opt(s.monthlyMicros),
    ]);
    const args = [
      now,
      whole(leaseTtlMs, "leaseTtlMs"),
      request.id,
      ...amount(request.estimate),
      dayKey(now),
      monthKey(now),
      nextDayStart(now) - now,
      nextMonthStart(now) - now,
      KEEP_MS + leaseTtlMs,
      ...limits,
    ];
    const keys = scopes.map((s) => this.root(s.scope));
    const v = integers(await admitScript.run(this.client, keys, args), 7);
    if (v[0] === 1) return { ok: true, rate: rateState(v, 1) };
    return {
      ok: false,
      scope: scopes[v[1]! - 1]!.scope,
      reason: REASONS[v[2]! - 1]!,
      retryAfterMs: v[3]!,
      rate: rateState(v, 4),
    };
  }

  async settle(request: SettleRequest): Promise<SettleResult> {
    const { now, scopes } = request;
    whole(now, "now");
    const perScope = scopes.flatMap((s: ScopeLimits) => [
      opt(s.tokensPerMinute),
      opt(s.dailyMicros),
      opt(s.monthlyMicros),
      opt(s.alertThresholdPercent),
    ]);
    const args = [now, request.id, ...amount(request.actual), dayKey(now), monthKey(now), DONE_TTL_MS];
    const keys = [`${this.prefix}done:${request.id}`, ...scopes.map((s) => this.root(s.scope))];
    const v = integers(await settleScript.run(this.client, keys, [...args, ...perScope]), scopes.length * 6);
    return {
      scopes: scopes.map((s, i): ScopeSpend => {
        const alerts: ("daily" | "monthly")[] = [];
        if (v[i * 6 + 4] === 1) alerts.push("daily");
        if (v[i * 6 + 5] === 1) alerts.push("monthly");
        return { ...spend(s.scope, v, i * 6), alerts };
      }),
    };
  }

  async renew(leases: readonly Lease[], now: number, leaseTtlMs: number): Promise<void> {
    const keys: string[] = [];
    const index = new Map<string, number>();
    const pairs: (string | number)[] = [];
    for (const lease of leases) {
      for (const scope of lease.scopes) {
        let i = index.get(scope);
        if (i === undefined) index.set(scope, (i = keys.push(this.root(scope))));
        pairs.push(i, lease.id);
      }
    }
    if (pairs.length === 0) return;
    const args = [whole(now, "now"), now + whole(leaseTtlMs, "leaseTtlMs"), KEEP_MS + leaseTtlMs];
    await renewScript.run(this.client, keys, [...args, ...pairs]);
  }

  async usage(scope: string, now: number): Promise<Omit<ScopeSpend, "alerts">> {
    const reply = await usageScript.run(this.client, [this.root(scope)], [dayKey(now), monthKey(now)]);
    return spend(scope, integers(reply, 4), 0);
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}
