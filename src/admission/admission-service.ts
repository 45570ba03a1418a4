import type { Principal } from "../auth/principal.js";
import { ApiError } from "../errors.js";
import type { TenantPolicy } from "../tenancy/policy.js";
import type { UsageEvent, UsageSink } from "../usage/usage-event.js";
import { refusalError } from "./admission-errors.js";
import type { Amount, LimitReason, Limiter, ScopeLimits, ScopeSpend, SettleRequest } from "./limiter.js";
import { rateLimitHeaders } from "./rate-headers.js";
import { hasPeriodLimits, localShare, scopesFor } from "./scopes.js";

export interface BudgetAlert {
  readonly tenantId: string;
  readonly period: "daily" | "monthly";
  readonly spentMicros: number;
  readonly limitMicros: number;
  readonly thresholdPercent: number;
  readonly at: Date;
  readonly webhookUrl?: string | undefined;
}

/** What admission tells the rest of the gateway (metrics, logs, webhooks). Must not throw. */
export interface AdmissionEvents {
  onReject?(tenantId: string, reason: LimitReason | "limiter_unavailable"): void;
  onSpend?(tenant: TenantPolicy, spend: ScopeSpend): void;
  onAlert?(alert: BudgetAlert): void;
  onLimiterError?(operation: "admit" | "settle" | "renew", err: unknown): void;
}

export interface AdmissionOptions {
  readonly limiter: Limiter;
  /** In-process limiter for `on_limiter_failure: local`; null means fail closed. */
  readonly local: Limiter | null;
  readonly replicas: number;
  readonly leaseTtlMs: number;
  readonly tenantOf: (id: string) => TenantPolicy | undefined;
  readonly clock?: () => number;
  readonly events?: AdmissionEvents;
  /** Settlements that failed are retried; beyond this many the oldest are dropped (and reported). */
  readonly maxPendingSettlements?: number;
}

interface Active {
  readonly tenant: TenantPolicy;
  readonly scopes: ScopeLimits[];
  readonly limiter: Limiter;
}

const TICK_MS = 1000;

/**
 * The admit stage: reserves a request's worst case against every limit before dispatch, and settles
 * it (as a UsageSink) with what the request really used, exactly once, on every path.
 */
export class AdmissionService implements UsageSink {
  private readonly active = new Map<string, Active>();
  private readonly pending: { limiter: Limiter; request: SettleRequest; tenant: TenantPolicy }[] = [];
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | null = null;
  private lastRenew = 0;
  private retrying = false;

  constructor(private readonly options: AdmissionOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Admits or throws the catalogued refusal. Returns the x-ratelimit-* headers for the response. */
  async admit(
    requestId: string,
    tenant: TenantPolicy,
    principal: Principal,
    estimate: Amount,
  ): Promise<Record<string, string>> {
    const scopes = scopesFor(tenant, principal).filter(isLimited);
    if (scopes.length === 0) return {};
    const now = this.clock();
    let limiter = this.options.limiter;
    let effective = scopes;
    let result;
    try {
      result = await limiter.admit({
        id: requestId,
        now,
        scopes,
        estimate,
        leaseTtlMs: this.options.leaseTtlMs,
      });
    } catch (err) {
      this.options.events?.onLimiterError?.("admit", err);
      const local = this.options.local;
      if (local === null || scopes.some(hasPeriodLimits)) {
        this.options.events?.onReject?.(tenant.id, "limiter_unavailable");
        throw new ApiError("limiter_unavailable", undefined, null, { "retry-after": "1" });
      }
      limiter = local;
      effective = scopes.map((s) => localShare(s, this.options.replicas));
      result = await local.admit({
        id: requestId,
        now,
        scopes: effective,
        estimate,
        leaseTtlMs: this.options.leaseTtlMs,
      });
    }
    if (!result.ok) {
      this.options.events?.onReject?.(tenant.id, result.reason);
      throw refusalError(result, now);
    }
    this.active.set(requestId, { tenant, scopes: effective, limiter });
    return rateLimitHeaders(result.rate);
  }

  /** Settles a finished request (UsageSink): releases its reservation, charges its real usage. */
  record(event: UsageEvent): void {
    const active = this.active.get(event.requestId);
    if (active === undefined) return;
    this.active.delete(event.requestId);
    const request: SettleRequest = {
      id: event.requestId,
      now: this.clock(),
      scopes: active.scopes,
      actual: { tokens: event.usage.input + event.usage.output, micros: event.costMicros },
    };
    void this.settle(active.limiter, request, active.tenant);
  }

  private async settle(limiter: Limiter, request: SettleRequest, tenant: TenantPolicy): Promise<boolean> {
    try {
      const result = await limiter.settle(request);
      this.report(tenant, result.scopes);
      return true;
    } catch (err) {
      this.options.events?.onLimiterError?.("settle", err);
      this.pending.push({ limiter, request, tenant });
      const max = this.options.maxPendingSettlements ?? 100_000;
      if (this.pending.length > max) this.pending.splice(0, this.pending.length - max);
      return false;
    }
  }

  private report(tenant: TenantPolicy, spends: readonly ScopeSpend[]): void {
    const own = spends.find((s) => s.scope === `tenant:${tenant.id}`);
    if (own === undefined) return;
    this.options.events?.onSpend?.(tenant, own);
    for (const period of own.alerts) {
      const limit = period === "daily" ? tenant.budget.dailyMicros : tenant.budget.monthlyMicros;
      this.options.events?.onAlert?.({
        tenantId: tenant.id,
        period,
        spentMicros: period === "daily" ? own.dailyMicros : own.monthlyMicros,
        limitMicros: limit ?? 0,
        thresholdPercent: tenant.budget.alertThresholdPercent,
        at: new Date(this.clock()),
        webhookUrl: tenant.budget.alertWebhookUrl,
      });
    }
  }

  /** Settled usage of a tenant's current day and month, as the limiter counts it. */
  spendOf(tenantId: string): Promise<Omit<ScopeSpend, "alerts">> {
    return this.options.limiter.usage(`tenant:${tenantId}`, this.clock());
  }

  /** Reports a tenant's current spend to the gauges (at start-up). */
  async spend(tenant: TenantPolicy): Promise<void> {
    this.options.events?.onSpend?.(tenant, { ...(await this.spendOf(tenant.id)), alerts: [] });
  }

  /** In-flight reservations (for tests and /readyz). */
  get inFlight(): number {
    return this.active.size;
  }

  get pendingSettlements(): number {
    return this.pending.length;
  }

  /** Starts lease renewal (long streams keep their slots) and the retry of failed settlements. */
  start(): void {
    this.timer ??= setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.retryPending();
  }

  private async tick(): Promise<void> {
    const now = this.clock();
    if (now - this.lastRenew >= this.options.leaseTtlMs / 3) {
      this.lastRenew = now;
      await this.renew(now);
    }
    await this.retryPending();
  }

  private async renew(now: number): Promise<void> {
    const byLimiter = new Map<Limiter, { id: string; scopes: string[] }[]>();
    for (const [id, a] of this.active) {
      const list = byLimiter.get(a.limiter) ?? [];
      list.push({ id, scopes: a.scopes.map((s) => s.scope) });
      byLimiter.set(a.limiter, list);
    }
    for (const [limiter, leases] of byLimiter) {
      await limiter.renew(leases, now, this.options.leaseTtlMs).catch((err: unknown) => {
        this.options.events?.onLimiterError?.("renew", err);
      });
    }
  }

  private async retryPending(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      while (this.pending.length > 0) {
        const next = this.pending.shift()!;
        if (!(await this.settle(next.limiter, next.request, next.tenant))) break;
      }
    } finally {
      this.retrying = false;
    }
  }
}

function isLimited(s: ScopeLimits): boolean {
  return (
    s.requestsPerMinute !== undefined ||
    s.tokensPerMinute !== undefined ||
    s.concurrentRequests !== undefined ||
    hasPeriodLimits(s)
  );
}
