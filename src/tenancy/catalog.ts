import type { Config } from "../config/schema.js";
import { priceFromConfig } from "../usage/pricing.js";
import type { ModelRoute, TenantPolicy } from "./policy.js";
import { tenantPolicy } from "./tenant-policy.js";

export type ModelLookup =
  | { readonly ok: true; readonly model: ModelRoute }
  | { readonly ok: false; readonly reason: "not_found" | "not_allowed" };

/** Where the catalog reads tenants' current policy snapshots (the tenant directory, or a fixed map). */
export interface TenantSource {
  get(id: string): TenantPolicy | undefined;
  ids(): string[];
}

/** A fixed set of tenants (from a config file). */
export class StaticTenants implements TenantSource {
  constructor(private readonly tenants: ReadonlyMap<string, TenantPolicy>) {}
  get(id: string): TenantPolicy | undefined {
    return this.tenants.get(id);
  }
  ids(): string[] {
    return [...this.tenants.keys()];
  }
}

/** Models (precomputed from the config at start-up) and the tenants' current policies. */
export class Catalog {
  constructor(
    private readonly tenants: TenantSource,
    private readonly models: ReadonlyMap<string, ModelRoute>,
  ) {}

  tenant(id: string): TenantPolicy | undefined {
    return this.tenants.get(id);
  }

  tenantIds(): string[] {
    return this.tenants.ids();
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

/** Every model's route, by public name. `resolveUpstream` turns `sim://name` into a base URL. */
export function buildModelRoutes(
  config: Pick<Config, "models">,
  resolveUpstream: (url: string) => string,
): Map<string, ModelRoute> {
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
  return models;
}

/**
 * Builds a catalog of the config's own tenants (CLI commands, tests). The gateway's catalog reads
 * the tenant directory instead (src/app.ts).
 */
export function buildCatalog(config: Config, resolveUpstream: (url: string) => string): Catalog {
  const models = buildModelRoutes(config, resolveUpstream);
  const tenants = new Map<string, TenantPolicy>();
  for (const [id, t] of Object.entries(config.tenants)) tenants.set(id, tenantPolicy(id, t, models));
  return new Catalog(new StaticTenants(tenants), models);
}
