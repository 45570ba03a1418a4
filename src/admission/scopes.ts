import type { Principal } from "../auth/principal.js";
import type { TenantPolicy } from "../tenancy/policy.js";
import type { ScopeLimits } from "./limiter.js";

/** The scopes that limit a request: its tenant, and its key when the key has limits of its own. */
export function scopesFor(tenant: TenantPolicy, principal: Principal): ScopeLimits[] {
  const scopes: ScopeLimits[] = [
    {
      scope: `tenant:${tenant.id}`,
      requestsPerMinute: tenant.rateLimits.requestsPerMinute,
      tokensPerMinute: tenant.rateLimits.tokensPerMinute,
      concurrentRequests: tenant.rateLimits.concurrentRequests,
      dailyTokens: tenant.dailyTokenLimit,
      monthlyTokens: tenant.monthlyTokenLimit,
      dailyMicros: tenant.budget.dailyMicros,
      monthlyMicros: tenant.budget.monthlyMicros,
      alertThresholdPercent: tenant.budget.alertThresholdPercent,
    },
  ];
  if (principal.keyLimits !== null) scopes.push({ scope: `key:${principal.keyId}`, ...principal.keyLimits });
  return scopes;
}

/** True when a scope limits money or period tokens: such limits fail closed, always. */
export function hasPeriodLimits(s: ScopeLimits): boolean {
  return (
    s.dailyTokens !== undefined ||
    s.monthlyTokens !== undefined ||
    s.dailyMicros !== undefined ||
    s.monthlyMicros !== undefined
  );
}

/** The per-minute and concurrency limits of a scope, divided among `replicas` (local fallback). */
export function localShare(s: ScopeLimits, replicas: number): ScopeLimits {
  const share = (n: number | undefined) =>
    n === undefined ? undefined : Math.max(1, Math.floor(n / replicas));
  return {
    scope: s.scope,
    requestsPerMinute: share(s.requestsPerMinute),
    tokensPerMinute: share(s.tokensPerMinute),
    concurrentRequests: share(s.concurrentRequests),
  };
}
