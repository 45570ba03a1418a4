import type { Config } from "../config/schema.js";

export interface PoolEndpoint {
  /** Engine base URL (no trailing slash or /v1), as requests are sent to it. */
  readonly url: string;
  /** Configured max_num_seqs: requests the engine runs at once. */
  readonly capacity: number;
}

/** A set of engine endpoints serving some models, with one fair queue. */
export interface Pool {
  readonly name: string;
  readonly endpoints: readonly PoolEndpoint[];
  /** Tenants it is reserved for; null for a shared pool. */
  readonly dedicatedTo: ReadonlySet<string> | null;
}

/** Which pool serves a tenant's request for a model: its dedicated pool if it has one, else the model's. */
export class PoolTable {
  constructor(
    private readonly shared: ReadonlyMap<string, Pool>,
    private readonly dedicated: ReadonlyMap<string, ReadonlyMap<string, Pool>>,
  ) {}

  route(tenantId: string, model: string): Pool | undefined {
    return this.dedicated.get(model)?.get(tenantId) ?? this.shared.get(model);
  }

  /** Every pool once. */
  pools(): Pool[] {
    const all = new Set<Pool>(this.shared.values());
    for (const byTenant of this.dedicated.values()) for (const p of byTenant.values()) all.add(p);
    return [...all];
  }
}

const normalize = (url: string): string => url.replace(/\/+$/, "").replace(/\/v1$/, "");

/**
 * Builds the pools: each model's own (named `pool`, default the model's name; models naming the
 * same pool share it) and the dedicated ones under `pools:`. `resolveUpstream` turns `sim://name`
 * into a base URL, as for the catalog.
 */
export function buildPoolTable(config: Config, resolveUpstream: (url: string) => string): PoolTable {
  const endpoints = (upstreams: readonly string[], capacity: number): PoolEndpoint[] =>
    upstreams.map((u) => ({ url: normalize(resolveUpstream(u)), capacity }));
  const byName = new Map<string, Pool>();
  const shared = new Map<string, Pool>();
  for (const [model, m] of Object.entries(config.models)) {
    const name = m.pool ?? model;
    let pool = byName.get(name);
    if (pool === undefined) {
      pool = { name, endpoints: endpoints(m.upstreams, m.max_num_seqs), dedicatedTo: null };
      byName.set(name, pool);
    }
    shared.set(model, pool);
  }
  const dedicated = new Map<string, Map<string, Pool>>();
  for (const [name, p] of Object.entries(config.pools)) {
    const pool: Pool = {
      name,
      endpoints: endpoints(p.upstreams, p.max_num_seqs),
      dedicatedTo: new Set(p.dedicated_to),
    };
    for (const model of p.models) {
      let byTenant = dedicated.get(model);
      if (byTenant === undefined) dedicated.set(model, (byTenant = new Map<string, Pool>()));
      for (const tenant of p.dedicated_to) byTenant.set(tenant, pool);
    }
  }
  return new PoolTable(shared, dedicated);
}
