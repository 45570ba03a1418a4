import { gcraCheck, gcraRemaining, gcraResetMs, WINDOW_MS } from "../gcra.js";
import type {
  AdmitRequest,
  AdmitResult,
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
import { SettledIds } from "./settled-ids.js";

interface Reservation {
  readonly tokens: number;
  readonly micros: number;
  readonly day: string;
  readonly month: string;
  expiresAt: number;
}

interface Totals {
  tokens: number;
  micros: number;
}

interface ScopeState {
  rpmTat: number;
  tpmTat: number;
  readonly leases: Map<string, Reservation>;
  readonly reserved: Totals;
  /** Settled usage by period key ("2026-11-25", "2026-11"). */
  readonly periods: Map<string, Totals>;
  readonly alerted: Set<string>;
}

/**
 * How long a settled id is remembered, so a repeated settlement is not charged twice. In one process
 * a settlement is only repeated by the gateway's own code: AdmissionService retries a failed one
 * every second (the Redis limiter keeps ten minutes, for retries across the network). Thirty seconds
 * covers thirty retries and holds ~30,000 ids (~2.5 MB) at 1,000 requests/s: every id held is live
 * heap that each full collection marks again.
 */
const DONE_TTL_MS = 30_000;
const NO_ALERTS: ScopeSpend["alerts"] = [];

/** The limiter in process memory: the embedded default (one gateway replica). */
export class MemoryLimiter implements Limiter {
  private readonly scopes = new Map<string, ScopeState>();
  private readonly done = new SettledIds(DONE_TTL_MS);

  private state(scope: string): ScopeState {
    let s = this.scopes.get(scope);
    if (s === undefined) {
      s = {
        rpmTat: 0,
        tpmTat: 0,
        leases: new Map(),
        reserved: { tokens: 0, micros: 0 },
        periods: new Map(),
        alerted: new Set(),
      };
      this.scopes.set(scope, s);
    }
    return s;
  }

  private purge(s: ScopeState, now: number): void {
    for (const [id, r] of s.leases) {
      if (r.expiresAt <= now) {
        s.leases.delete(id);
        s.reserved.tokens -= r.tokens;
        s.reserved.micros -= r.micros;
      }
    }
  }

  private period(s: ScopeState, key: string): Totals {
    let t = s.periods.get(key);
    if (t === undefined) {
      t = { tokens: 0, micros: 0 };
      s.periods.set(key, t);
    }
    return t;
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    const { now, estimate } = req;
    const day = dayKey(now);
    const month = monthKey(now);
    const tats: { rpm?: number; tpm?: number }[] = [];
    for (const limits of req.scopes) {
      const s = this.state(limits.scope);
      this.purge(s, now);
      const refuse = (reason: LimitReason, retryAfterMs: number): AdmitResult => ({
        ok: false,
        scope: limits.scope,
        reason,
        retryAfterMs,
        rate: this.rate(req.scopes[0]!, now),
      });
      const next: { rpm?: number; tpm?: number } = {};
      if (limits.requestsPerMinute !== undefined) {
        const c = gcraCheck(s.rpmTat, now, limits.requestsPerMinute, 1);
        if (!c.ok) return refuse("requests_per_minute", c.retryAfterMs);
        next.rpm = c.tat;
      }
      if (limits.tokensPerMinute !== undefined) {
        const c = gcraCheck(s.tpmTat, now, limits.tokensPerMinute, estimate.tokens);
        if (!c.ok) return refuse("tokens_per_minute", c.retryAfterMs);
        next.tpm = c.tat;
      }
      if (limits.concurrentRequests !== undefined && s.leases.size >= limits.concurrentRequests) {
        const earliest = Math.min(...[...s.leases.values()].map((r) => r.expiresAt));
        return refuse("concurrent_requests", Number.isFinite(earliest) ? earliest - now : 1000);
      }
      const d = this.period(s, day);
      const m = this.period(s, month);
      const over = (used: number, reserved: number, add: number, limit: number | undefined) =>
        limit !== undefined && used + reserved + add > limit;
      if (over(d.tokens, s.reserved.tokens, estimate.tokens, limits.dailyTokens)) {
        return refuse("daily_tokens", nextDayStart(now) - now);
      }
      if (over(m.tokens, s.reserved.tokens, estimate.tokens, limits.monthlyTokens)) {
        return refuse("monthly_tokens", nextMonthStart(now) - now);
      }
      if (over(d.micros, s.reserved.micros, estimate.micros, limits.dailyMicros)) {
        return refuse("daily_budget", nextDayStart(now) - now);
      }
      if (over(m.micros, s.reserved.micros, estimate.micros, limits.monthlyMicros)) {
        return refuse("monthly_budget", nextMonthStart(now) - now);
      }
      tats.push(next);
    }
    req.scopes.forEach((limits, i) => {
      const s = this.state(limits.scope);
      const next = tats[i]!;
      if (next.rpm !== undefined) s.rpmTat = next.rpm;
      if (next.tpm !== undefined) s.tpmTat = next.tpm;
      s.leases.set(req.id, {
        tokens: estimate.tokens,
        micros: estimate.micros,
        day,
        month,
        expiresAt: now + req.leaseTtlMs,
      });
      s.reserved.tokens += estimate.tokens;
      s.reserved.micros += estimate.micros;
    });
    return { ok: true, rate: this.rate(req.scopes[0]!, now) };
  }

  private rate(limits: ScopeLimits, now: number): RateState {
    const s = this.state(limits.scope);
    const rpm = limits.requestsPerMinute;
    const tpm = limits.tokensPerMinute;
    // One shape whatever the limits (absent ones undefined): cheaper on the hot path than spreads.
    return {
      requestsLimit: rpm,
      requestsRemaining: rpm === undefined ? undefined : gcraRemaining(s.rpmTat, now, rpm),
      requestsResetMs: rpm === undefined ? undefined : gcraResetMs(s.rpmTat, now),
      tokensLimit: tpm,
      tokensRemaining: tpm === undefined ? undefined : gcraRemaining(s.tpmTat, now, tpm),
      tokensResetMs: tpm === undefined ? undefined : gcraResetMs(s.tpmTat, now),
    };
  }

  async settle(req: SettleRequest): Promise<SettleResult> {
    const { now, actual } = req;
    const already = this.done.add(req.id, now);
    const scopes: ScopeSpend[] = [];
    for (const limits of req.scopes) {
      const s = this.state(limits.scope);
      const alerts: ("daily" | "monthly")[] = [];
      let day = dayKey(now);
      let month = monthKey(now);
      if (!already) {
        const r = s.leases.get(req.id);
        if (r !== undefined) {
          s.leases.delete(req.id);
          s.reserved.tokens -= r.tokens;
          s.reserved.micros -= r.micros;
          ({ day, month } = r);
          if (limits.tokensPerMinute !== undefined) {
            s.tpmTat = Math.max(
              now,
              s.tpmTat + (actual.tokens - r.tokens) * (WINDOW_MS / limits.tokensPerMinute),
            );
          }
        }
        const d = this.period(s, day);
        const m = this.period(s, month);
        const crossed = (before: number, after: number, limit: number | undefined) =>
          limit !== undefined &&
          limits.alertThresholdPercent !== undefined &&
          before * 100 < limit * limits.alertThresholdPercent &&
          after * 100 >= limit * limits.alertThresholdPercent;
        if (crossed(d.micros, d.micros + actual.micros, limits.dailyMicros) && !s.alerted.has(day)) {
          s.alerted.add(day);
          alerts.push("daily");
        }
        if (crossed(m.micros, m.micros + actual.micros, limits.monthlyMicros) && !s.alerted.has(month)) {
          s.alerted.add(month);
          alerts.push("monthly");
        }
        d.tokens += actual.tokens;
        d.micros += actual.micros;
        m.tokens += actual.tokens;
        m.micros += actual.micros;
      }
      scopes.push(this.spend(limits.scope, now, alerts));
    }
    return { scopes };
  }

  async renew(leases: readonly Lease[], now: number, leaseTtlMs: number): Promise<void> {
    for (const lease of leases) {
      for (const scope of lease.scopes) {
        const r = this.scopes.get(scope)?.leases.get(lease.id);
        if (r !== undefined && r.expiresAt > now) r.expiresAt = now + leaseTtlMs;
      }
    }
  }

  async usage(scope: string, now: number): Promise<Omit<ScopeSpend, "alerts">> {
    return this.spend(scope, now, NO_ALERTS);
  }

  private spend(scope: string, now: number, alerts: ScopeSpend["alerts"]): ScopeSpend {
    const s = this.state(scope);
    const d = s.periods.get(dayKey(now)) ?? { tokens: 0, micros: 0 };
    const m = s.periods.get(monthKey(now)) ?? { tokens: 0, micros: 0 };
    return {
      scope,
      dailyMicros: d.micros,
      monthlyMicros: m.micros,
      dailyTokens: d.tokens,
      monthlyTokens: m.tokens,
      alerts,
    };
  }

  async close(): Promise<void> {
    this.scopes.clear();
  }
}
