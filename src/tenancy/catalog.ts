import type { Config } from "../config/schema.js";
import { priceFromConfig, usdToMicros } from "../usage/pricing.js";
import type { ModelRoute, TenantPolicy } from "./policy.js";

export type ModelLookup =
  | { readonly ok: true; readonly model: ModelRoute }
  | { readonly ok: false; readonly reason: "not_found" | "not_allowed" };

/** Tenants and models, precomputed from the config once at start-up. */
export class Catalog {
  constructor(
    private readonly tenants: ReadonlyMap<string, TenantPolicy>,
    private readonly models: ReadonlyMap<string, ModelRoute>,
  ) {}

  tenant(id: string): TenantPolicy | undefined {
    return this.tenants.get(id);
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /**
   * Resolves a model name for a tenant (and optionally a key's subset of its models): unknown models
   * and models outside the tenant's tier differ.
   */
  resolveModel(
    tenant: TenantPolicy,
    name: string,
    keyModels: ReadonlySet<string> | null = null,
  ): ModelLookup {
    const target = tenant.aliases.get(name) ?? name;
    // A tenant's own adapter; anybody else's answers exactly like a missing model.
    const lora = tenant.loraRoutes.get(target);
    if (lora !== undefined) {
      const base = lora.lora!.base;
      return keyModels !== null && !keyModels.has(base)
        ? { ok: false, reason: "not_allowed" }
        : { ok: true, model: lora };
    }
    const model = this.models.get(target);
    if (model === undefined) return { ok: false, reason: "not_found" };
    if (!tenant.models.has(target) || (keyModels !== null && !keyModels.has(target))) {
      return { ok: false, reason: "not_allowed" };
    }
    return { ok: true, model };
  }

  /** The model names a tenant may use: its models in config order, then its adapters and aliases. */
  modelsFor(tenant: TenantPolicy): string[] {
    return [
      ...[...this.models.values()].filter((m) => tenant.models.has(m.name)).map((m) => m.name),
      ...tenant.loraRoutes.keys(),
      ...tenant.aliases.keys(),
    ];
  }

  /** A model's route by public name (fallback targets are checked against the tenant at load). */
  model(name: string): ModelRoute | undefined {
    return this.models.get(name);
  }

  allModels(): ModelRoute[] {
    return [...this.models.values()];
  }
}

/**
 * Builds the catalog. `resolveUpstream` turns config upstreams (which may be `sim://name`)
 * into base URLs.
 */
export function buildCatalog(config: Config, resolveUpstream: (url: string) => string): Catalog {
  const models = new Map<string, ModelRoute>();
  for (const [name, m] of Object.entries(config.models)) {
    models.set(name, {
      name,
      kind: m.kind,
      servedModel: m.served_model ?? name,
      upstreams: m.upstreams.map((u) => resolveUpstream(u).replace(/\/+$/, "").replace(/\/v1$/, "")),
      price: priceFromConfig(m.pricing ?? "free"),
      maxOutputTokens: m.max_output_tokens,
      maxNumSeqs: m.max_num_seqs,
      cacheSalt: m.cache_salt,
      maxLoras: m.max_loras,
      affinity: m.affinity,
    });
  }
  const tenants = new Map<string, TenantPolicy>();
  for (const [id, t] of Object.entries(config.tenants)) {
    tenants.set(id, {
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
        dailyMicros:
          t.budget.daily_limit_usd === undefined ? undefined : usdToMicros(t.budget.daily_limit_usd),
        monthlyMicros:
          t.budget.monthly_limit_usd === undefined ? undefined : usdToMicros(t.budget.monthly_limit_usd),
        alertThresholdPercent: t.budget.alert_threshold_percent,
        alertWebhookUrl: t.budget.alert_webhook_url,
      },
      dailyTokenLimit: t.daily_token_limit,
      monthlyTokenLimit: t.monthly_token_limit,
      aliases: new Map(Object.entries(t.aliases)),
      fallbacks: new Map(Object.entries(t.fallbacks)),
      loraRoutes: new Map(
        Object.entries(t.lora_adapters).map(([adapter, l]) => {
          const name = `${l.base}:${adapter}`;
          const base = models.get(l.base)!;
          const engineName = `${id}--${adapter}`;
          const route: ModelRoute = {
            ...base,
            name,
            servedModel: engineName,
            lora: { name: engineName, path: l.path, base: l.base },
          };
          return [name, route];
        }),
      ),
    });
  }
  return new Catalog(tenants, models);
}
