import type { TenantSpec } from "./tenant-spec.js";
import { usdToMicros } from "../usage/pricing.js";
import type { ModelRoute, TenantPolicy } from "./policy.js";

/**
 * A tenant's policy snapshot from its configuration. Names of models this gateway does not serve
 * (a replica with an older `models:`) simply resolve as unknown; adapters on an unknown base are left out.
 */
export function tenantPolicy(
  id: string,
  t: TenantSpec,
  models: ReadonlyMap<string, ModelRoute>,
): TenantPolicy {
  const loraRoutes = new Map<string, ModelRoute>();
  for (const [adapter, l] of Object.entries(t.lora_adapters)) {
    const base = models.get(l.base);
    if (base === undefined) continue;
    const engineName = `${id}--${adapter}`;
    const name = `${l.base}:${adapter}`;
    loraRoutes.set(name, {
      ...base,
      name,
      servedModel: engineName,
      lora: { name: engineName, path: l.path, base: l.base },
    });
  }
  return {
    id,
    tier: t.tier,
    priority: t.priority,
    models: new Set(t.models_allowed),
    rateLimits: {
      requestsPerMinute: t.rate_limits.requests_per_minute,
      tokensPerMinute: t.rate_limits.tokens_per_minute,
      concurrentRequests: t.rate_limits.concurrent_requests,
    },
    budget: {
      dailyMicros: t.budget.daily_limit_usd === undefined ? undefined : usdToMicros(t.budget.daily_limit_usd),
      monthlyMicros:
        t.budget.monthly_limit_usd === undefined ? undefined : usdToMicros(t.budget.monthly_limit_usd),
      alertThresholdPercent: t.budget.alert_threshold_percent,
      alertWebhookUrl: t.budget.alert_webhook_url,
    },
    dailyTokenLimit: t.daily_token_limit,
    monthlyTokenLimit: t.monthly_token_limit,
    aliases: new Map(Object.entries(t.aliases)),
    fallbacks: new Map(Object.entries(t.fallbacks)),
    loraRoutes,
  };
}
