import { z } from "zod";

/** The `scheduler:`, `pools:` sections and the cross-checks of pools (see README, "Fair scheduling"). */

const positiveInt = z.number().int().positive();

export const DEFAULT_TIER_WEIGHTS: Readonly<Record<string, number>> = { enterprise: 4, standard: 2, free: 1 };

export const schedulerSchema = z.strictObject({
  /** false: no gateway queue, requests go straight to an endpoint (the engine's FIFO decides). */
  enabled: z.boolean().default(true),
  /** Requests one tenant may have waiting in one pool (per replica); beyond: 429 queue_full. */
  max_queue_per_tenant: positiveInt.default(100),
  /** Requests waiting in all pools together (per replica); beyond: 503 server_overloaded. */
  max_queue_total: positiveInt.default(1000),
  /** Longest wait in the queue; beyond: 503 server_overloaded. */
  max_wait_ms: positiveInt.default(30_000),
  /** Consecutive dispatches of higher priority bands after which a waiting lower band gets one. */
  starvation_limit: positiveInt.default(5),
  /** Fair-share weight per tier (merged over enterprise 4, standard 2, free 1; unknown tiers 1). */
  tier_weights: z.record(z.string().min(1), z.number().positive()).default({}),
  /**
   * A finished request's slot is kept this long for its tenant's next request when that tenant
   * would go next anyway (closed-loop clients); 0 disables.
   */
  anticipation_ms: z.number().int().min(0).max(1000).default(50),
  /** Poll each engine's /metrics (vllm:num_requests_running/waiting) this often; 0 = off. */
  poll_engine_metrics_ms: z.number().int().min(0).default(0),
});

export const poolName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, "pool names are letters, digits, . _ -");

/** A dedicated pool: its own engines serving some models for some tenants only. */
export const poolSchema = (upstream: z.ZodType<string>) =>
  z.strictObject({
    models: z.array(z.string().min(1)).min(1),
    upstreams: z.array(upstream).min(1),
    max_num_seqs: positiveInt.default(256),
    dedicated_to: z.array(z.string().min(1)).min(1),
  });

interface PoolsView {
  readonly models: Record<string, { pool?: string | undefined; upstreams: string[]; max_num_seqs: number }>;
  readonly pools: Record<string, { models: string[]; upstreams: string[]; dedicated_to: string[] }>;
  readonly tenants: Record<string, unknown>;
  readonly simulators: Record<string, unknown>;
}

/** Cross-section checks of pools; issues are reported through `issue(path, message)`. */
export function checkPools(
  cfg: PoolsView,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const shared = new Map<string, { model: string; upstreams: string; seqs: number }>();
  for (const [name, m] of Object.entries(cfg.models)) {
    const pool = m.pool ?? name;
    const upstreams = [...m.upstreams].sort().join(" ");
    const first = shared.get(pool);
    if (first === undefined) shared.set(pool, { model: name, upstreams, seqs: m.max_num_seqs });
    else if (first.upstreams !== upstreams || first.seqs !== m.max_num_seqs) {
      issue(
        ["models", name, "pool"],
        `models in pool "${pool}" must have the same upstreams and max_num_seqs as "${first.model}"`,
      );
    }
  }
  const dedicated = new Set<string>();
  for (const [name, p] of Object.entries(cfg.pools)) {
    if (shared.has(name)) issue(["pools", name], `"${name}" is already the pool of a model`);
    p.upstreams.forEach((url, i) => {
      const sim = /^sim:\/\/(.+)$/.exec(url)?.[1];
      if (sim !== undefined && !(sim in cfg.simulators)) {
        issue(["pools", name, "upstreams", i], `no simulator named "${sim}" under simulators:`);
      }
    });
    p.models.forEach((model, i) => {
      if (!(model in cfg.models)) issue(["pools", name, "models", i], `unknown model "${model}"`);
    });
    p.dedicated_to.forEach((tenant, i) => {
      if (!(tenant in cfg.tenants)) issue(["pools", name, "dedicated_to", i], `unknown tenant "${tenant}"`);
      for (const model of p.models) {
        const key = `${model}\u0000${tenant}`;
        if (dedicated.has(key)) {
          issue(
            ["pools", name, "dedicated_to", i],
            `"${tenant}" already has a dedicated pool for "${model}"`,
          );
        }
        dedicated.add(key);
      }
    });
  }
}
