import type { AdmissionEvents } from "../admission/admission-service.js";
import type { TenantPolicy } from "../tenancy/policy.js";
import { microsToUsd } from "../usage/pricing.js";
import type { GatewayMetrics } from "./metrics.js";

/** Budget gauges for every tenant that has a budget (set once; spend follows settlements). */
export function setBudgetGauges(metrics: GatewayMetrics, tenants: readonly TenantPolicy[]): void {
  for (const t of tenants) {
    if (t.budget.dailyMicros !== undefined)
      metrics.dailyBudget.set({ tenant: t.id }, microsToUsd(t.budget.dailyMicros));
    if (t.budget.monthlyMicros !== undefined) {
      metrics.monthlyBudget.set({ tenant: t.id }, microsToUsd(t.budget.monthlyMicros));
    }
  }
}

/** Admission's events as metrics: rejections, spend and remaining quota gauges, limiter errors. */
export function admissionMetrics(
  metrics: GatewayMetrics,
): Required<Pick<AdmissionEvents, "onReject" | "onSpend" | "onLimiterError">> {
  return {
    onReject: (tenant, reason) => metrics.rateLimitRejections.inc({ tenant, reason }),
    onLimiterError: (operation) => metrics.limiterErrors.inc({ operation }),
    onSpend: (t: TenantPolicy, spend) => {
      const tenant = t.id;
      metrics.dailySpend.set({ tenant }, microsToUsd(spend.dailyMicros));
      metrics.monthlySpend.set({ tenant }, microsToUsd(spend.monthlyMicros));
      const left = (limit: number | undefined, used: number) => Math.max(0, (limit ?? 0) - used);
      if (t.dailyTokenLimit !== undefined) {
        metrics.quotaRemaining.set({ tenant, period: "daily" }, left(t.dailyTokenLimit, spend.dailyTokens));
      }
      if (t.monthlyTokenLimit !== undefined) {
        metrics.quotaRemaining.set(
          { tenant, period: "monthly" },
          left(t.monthlyTokenLimit, spend.monthlyTokens),
        );
      }
      if (t.budget.dailyMicros !== undefined) {
        metrics.budgetRemaining.set(
          { tenant, period: "daily" },
          microsToUsd(left(t.budget.dailyMicros, spend.dailyMicros)),
        );
      }
      if (t.budget.monthlyMicros !== undefined) {
        metrics.budgetRemaining.set(
          { tenant, period: "monthly" },
          microsToUsd(left(t.budget.monthlyMicros, spend.monthlyMicros)),
        );
      }
    },
  };
}
