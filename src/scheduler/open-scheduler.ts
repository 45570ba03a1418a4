import { randomBytes } from "node:crypto";
import type { Config } from "../config/schema.js";
import { DEFAULT_TIER_WEIGHTS } from "../config/scheduler-schema.js";
import { EngineLoadPoller } from "../upstream/engine-load-poller.js";
import { systemClock, type Clock } from "./clock.js";
import { FairScheduler, type SchedulerEvents } from "./fair-scheduler.js";
import { FallbackSlotStore } from "./fallback-slot-store.js";
import { MemorySlotStore } from "./memory/slot-store.js";
import { PassThroughScheduler } from "./pass-through.js";
import type { PoolTable } from "./pools.js";
import { RedisSlotStore } from "./redis/slot-store.js";
import type { Scheduler } from "./scheduler.js";
import type { SlotStore } from "./slot-store.js";

export interface OpenSchedulerOptions {
  readonly pools: PoolTable;
  readonly events?: SchedulerEvents;
  /** Endpoint health (routing): unavailable endpoints get no new requests. */
  readonly available?: (url: string) => boolean;
  readonly clock?: Clock;
  /** Each tenant's current weight (the tenant directory); default: the config's tenants. */
  readonly weightOf?: (tenantId: string) => number;
}

/** Each tenant's fair-share weight: its own `weight`, else its tier's (unknown tiers: 1). */
export function tenantWeights(config: Config): (tenantId: string) => number {
  const tiers = { ...DEFAULT_TIER_WEIGHTS, ...config.scheduler.tier_weights };
  const weights = new Map(
    Object.entries(config.tenants).map(([id, t]) => [id, t.weight ?? tiers[t.tier] ?? 1]),
  );
  return (id) => weights.get(id) ?? 1;
}

/**
 * The scheduler the config asks for: pass-through when `scheduler.enabled: false`; else the fair
 * queue on the store of `limits.store` (memory, or Redis shared by the replicas, with the local
 * fallback of `limits.on_limiter_failure: local`), plus the engine-metrics poller if configured.
 */
export function openScheduler(config: Config, o: OpenSchedulerOptions): Scheduler {
  const s = config.scheduler;
  if (!s.enabled) return new PassThroughScheduler(o.pools);
  const limits = config.limits;
  const redis = limits.store !== "memory";
  let store: SlotStore = new MemorySlotStore();
  if (redis) {
    const shared = new RedisSlotStore({ url: limits.store, keyPrefix: limits.key_prefix });
    store =
      limits.on_limiter_failure === "local"
        ? new FallbackSlotStore(shared, store, limits.replicas, (err) =>
            o.events?.onStoreError?.("dispatch", err),
          )
        : shared;
  }
  const fair = new FairScheduler({
    store,
    pools: o.pools,
    clock: o.clock ?? systemClock,
    replica: randomBytes(6).toString("hex"),
    weightOf: o.weightOf ?? tenantWeights(config),
    available: o.available,
    events: o.events,
    settings: {
      maxQueuePerTenant: s.max_queue_per_tenant,
      maxQueueTotal: s.max_queue_total,
      maxWaitMs: s.max_wait_ms,
      starvationLimit: s.starvation_limit,
      anticipationMs: s.anticipation_ms,
      leaseTtlMs: limits.lease_ttl_ms,
      // Alone, this replica hears of every release; with Redis, a slot may free on another replica.
      pollMs: redis ? 25 : 1000,
      waitTtlMs: redis ? 1000 : 5000,
    },
  });
  if (s.poll_engine_metrics_ms === 0) return fair;
  const poller = new EngineLoadPoller({
    endpoints: [...new Set(o.pools.pools().flatMap((p) => p.endpoints.map((e) => e.url)))],
    intervalMs: s.poll_engine_metrics_ms,
    onLoad: (url, requests) => void fair.observeEngineLoad(url, requests),
  });
  poller.start();
  return {
    endpoints: (tenant, model) => fair.endpoints(tenant, model),
    acquire: (request) => fair.acquire(request),
    snapshot: () => fair.snapshot(),
    close: async () => {
      poller.stop();
      await fair.close();
    },
  };
}
