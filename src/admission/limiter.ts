/**
 * The limiter port: one atomic admission per request and one settlement, over every scope that
 * limits the request (the tenant, and the key when it has limits of its own). Adapters:
 * memory/limiter.ts (one process) and redis/limiter.ts (any number of replicas).
 *
 * Semantics every adapter implements (the contract suite in test/admission checks them):
 * - Requests and tokens per minute: GCRA (a sliding allowance, no fixed minute buckets), burst of
 *   one minute's allowance. Tokens are admitted at the estimate and corrected at settlement.
 * - Concurrency: live leases. A lease expires `leaseTtlMs` after admission or its last renewal, so a
 *   crashed replica's slots and reservations come back on their own.
 * - Token quotas and USD budgets per UTC day and month: settled usage of the period, plus every
 *   live reservation, plus this estimate must stay within the limit.
 * - Settlement releases the reservation and adds the actual usage to the periods of admission; it
 *   is idempotent per reservation id (a retried settlement never charges twice).
 */

export type LimitReason =
  | "requests_per_minute"
  | "tokens_per_minute"
  | "concurrent_requests"
  | "daily_tokens"
  | "monthly_tokens"
  | "daily_budget"
  | "monthly_budget";

/** The limits of one scope. Absent limits are not enforced. Money in integer micro-dollars. */
export interface ScopeLimits {
  /** Stable identity of the scope, e.g. "tenant:acme-corp" or "key:key_123". */
  readonly scope: string;
  readonly requestsPerMinute?: number | undefined;
  readonly tokensPerMinute?: number | undefined;
  readonly concurrentRequests?: number | undefined;
  readonly dailyTokens?: number | undefined;
  readonly monthlyTokens?: number | undefined;
  readonly dailyMicros?: number | undefined;
  readonly monthlyMicros?: number | undefined;
  /** Percent of the daily/monthly budget at which settlement reports a crossing (once per period). */
  readonly alertThresholdPercent?: number | undefined;
}

export interface Amount {
  readonly tokens: number;
  readonly micros: number;
}

export interface AdmitRequest {
  /** Reservation id (the request id). */
  readonly id: string;
  /** Milliseconds since the epoch; the caller's clock, so tests can move it. */
  readonly now: number;
  readonly scopes: readonly ScopeLimits[];
  /** Worst case: prompt tokens + max output tokens, and their cost. */
  readonly estimate: Amount;
  readonly leaseTtlMs: number;
}

/** Rate-limit state of the first scope, for the x-ratelimit-* headers. */
export interface RateState {
  readonly requestsLimit?: number | undefined;
  readonly requestsRemaining?: number | undefined;
  /** Milliseconds until the request allowance is full again. */
  readonly requestsResetMs?: number | undefined;
  readonly tokensLimit?: number | undefined;
  readonly tokensRemaining?: number | undefined;
  readonly tokensResetMs?: number | undefined;
}

export type AdmitResult =
  | { readonly ok: true; readonly rate: RateState }
  | {
      readonly ok: false;
      readonly scope: string;
      readonly reason: LimitReason;
      /** For per-minute limits: when a retry could succeed. Periods: see resetAt. */
      readonly retryAfterMs: number;
      readonly rate: RateState;
    };

export interface SettleRequest {
  readonly id: string;
  readonly now: number;
  readonly scopes: readonly ScopeLimits[];
  /** What the request really used (zero for a failure that generated nothing). */
  readonly actual: Amount;
}

/** Spend of one scope after settlement, and the budget alerts this settlement triggered. */
export interface ScopeSpend {
  readonly scope: string;
  readonly dailyMicros: number;
  readonly monthlyMicros: number;
  readonly dailyTokens: number;
  readonly monthlyTokens: number;
  readonly alerts: readonly ("daily" | "monthly")[];
}

export interface SettleResult {
  readonly scopes: readonly ScopeSpend[];
}

export interface Lease {
  readonly id: string;
  readonly scopes: readonly string[];
}

export interface Limiter {
  admit(request: AdmitRequest): Promise<AdmitResult>;
  settle(request: SettleRequest): Promise<SettleResult>;
  /** Extends live leases (long streams) to now + leaseTtlMs; unknown or expired ones are ignored. */
  renew(leases: readonly Lease[], now: number, leaseTtlMs: number): Promise<void>;
  /** Current settled usage of a scope (for gauges and reconciliation). */
  usage(scope: string, now: number): Promise<Omit<ScopeSpend, "alerts">>;
  close(): Promise<void>;
}
