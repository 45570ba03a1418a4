import { ApiError } from "../errors.js";
import type { Clock } from "./clock.js";
import { bandOf } from "./policy.js";
import { PoolRuntime, type Pending } from "./pool-runtime.js";
import { overloaded, queueFull } from "./queue-errors.js";
import type { PoolTable } from "./pools.js";
import type { Scheduler, SchedulerSnapshot, Slot, SlotRequest } from "./scheduler.js";
import type { SlotStore } from "./slot-store.js";
import type { Waiter } from "./pool-queue.js";

const NONE: readonly string[] = [];

export interface SchedulerSettings {
  readonly maxQueuePerTenant: number;
  readonly maxQueueTotal: number;
  readonly maxWaitMs: number;
  readonly starvationLimit: number;
  /** Anticipation: how long a released slot may be kept for its tenant's next request. */
  readonly anticipationMs: number;
  readonly leaseTtlMs: number;
  /** While requests wait, the store is asked again this often (a slot may free on another replica). */
  readonly pollMs: number;
  /** A replica's waiting entries expire this long after it last asked. */
  readonly waitTtlMs: number;
}

export type QueueRejection = "tenant_queue_full" | "queue_full" | "max_wait" | "store_unavailable";

/** What the scheduler tells the rest of the gateway (metrics). Must not throw. */
export interface SchedulerEvents {
  onDispatch?(pool: string, tenant: string, waitedMs: number): void;
  onReject?(pool: string, tenant: string, reason: QueueRejection): void;
  /** A slot was released: the service the tenant received, in virtual tokens (input + 2 × output). */
  onServed?(pool: string, tenant: string, tokens: number): void;
  onStoreError?(operation: "dispatch" | "release" | "withdraw" | "renew" | "load", err: unknown): void;
}

export interface FairSchedulerOptions {
  readonly store: SlotStore;
  readonly pools: PoolTable;
  readonly clock: Clock;
  /** This replica's id in the shared waiting set. */
  readonly replica: string;
  readonly weightOf: (tenantId: string) => number;
  /** Endpoint health: unavailable endpoints get no new requests (unless none is available). */
  readonly available?: (url: string) => boolean;
  readonly settings: SchedulerSettings;
  readonly events?: SchedulerEvents;
}

/**
 * The per-pool fair queue (policy.ts): a request waits here until the slot store grants it a slot;
 * waits are bounded per tenant, in total and in time; a request whose signal aborts leaves at once.
 */
export class FairScheduler implements Scheduler {
  private readonly runtimes = new Map<string, PoolRuntime>();
  private total = 0;
  private cancelRenew: () => void;

  constructor(private readonly options: FairSchedulerOptions) {
    for (const pool of options.pools.pools()) {
      this.runtimes.set(pool.name, new PoolRuntime(pool, options, (n) => (this.total += n)));
    }
    this.cancelRenew = this.scheduleRenew();
  }

  endpoints(tenantId: string, model: string): readonly string[] {
    return this.options.pools.route(tenantId, model)?.endpoints.map((e) => e.url) ?? [];
  }

  acquire(request: SlotRequest): Promise<Slot> {
    const pool = this.options.pools.route(request.tenantId, request.model);
    const rt = pool === undefined ? undefined : this.runtimes.get(pool.name);
    if (rt === undefined) return Promise.reject(new Error(`no pool serves model ${request.model}`));
    const s = this.options.settings;
    const tenant = request.tenantId;
    if (rt.queue.queued(tenant) >= s.maxQueuePerTenant) {
      this.options.events?.onReject?.(rt.pool.name, tenant, "tenant_queue_full");
      return Promise.reject(queueFull(s.maxQueuePerTenant, request.model));
    }
    if (this.total >= s.maxQueueTotal) {
      this.options.events?.onReject?.(rt.pool.name, tenant, "queue_full");
      return Promise.reject(overloaded("The gateway's queue is full; retry later."));
    }
    const signal = request.signal;
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const wants: Waiter = {
      id: request.id,
      tenant,
      band: bandOf(request.priority),
      weight: this.options.weightOf(tenant),
      cost: request.inputTokens + 2 * request.outputTokens,
      since: this.options.clock.now(),
      prefer: request.prefer ?? "",
      avoid: request.avoid === undefined || request.avoid.size === 0 ? NONE : [...request.avoid],
    };
    // Nobody queued here and a store that answers at once: no promise, timer or listener to set up.
    const now = rt.tryNow(wants);
    if (now !== null) return Promise.resolve(now);
    return new Promise<Slot>((resolve, reject) => {
      let cancelTimer = (): void => undefined;
      const onAbort = (): void => rt.drop(waiter, signal.reason);
      const waiter: Pending = {
        ...wants,
        resolve(slot) {
          cancelTimer();
          signal.removeEventListener("abort", onAbort);
          resolve(slot);
        },
        fail(err) {
          cancelTimer();
          signal.removeEventListener("abort", onAbort);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      };
      cancelTimer = this.options.clock.after(s.maxWaitMs, () => {
        this.options.events?.onReject?.(rt.pool.name, tenant, "max_wait");
        rt.drop(
          waiter,
          overloaded(`The request waited ${s.maxWaitMs} ms for ${request.model}; retry later.`),
        );
      });
      signal.addEventListener("abort", onAbort, { once: true });
      rt.enqueue(waiter);
    });
  }

  /** Load on an endpoint from outside this gateway (engine metrics): fewer slots to fill. */
  setExternalLoad(url: string, requests: number): void {
    for (const rt of this.runtimes.values()) rt.setExternalLoad(url, requests);
  }

  /** An engine's own count of running + waiting requests: what exceeds the slots leased here came from elsewhere. */
  async observeEngineLoad(url: string, requests: number): Promise<void> {
    try {
      const [leased = 0] = await this.options.store.inFlight([url], this.options.clock.now());
      this.setExternalLoad(url, Math.max(0, requests - leased));
    } catch (err) {
      this.options.events?.onStoreError?.("load", err);
    }
  }

  snapshot(): SchedulerSnapshot {
    return { pools: [...this.runtimes.values()].map((rt) => rt.snapshot()) };
  }

  async close(): Promise<void> {
    this.cancelRenew();
    for (const rt of this.runtimes.values())
      rt.close(new ApiError("not_ready", "The gateway is shutting down."));
    await this.options.store.close();
  }

  private scheduleRenew(): () => void {
    const every = Math.max(100, Math.floor(this.options.settings.leaseTtlMs / 3));
    const tick = (): void => {
      const leases = [...this.runtimes.values()].flatMap((rt) => rt.leases());
      const now = this.options.clock.now();
      this.options.store.renew(leases, now, this.options.settings.leaseTtlMs).catch((err: unknown) => {
        this.options.events?.onStoreError?.("renew", err);
      });
      this.cancelRenew = this.options.clock.after(every, tick);
    };
    return this.options.clock.after(every, tick);
  }
}
