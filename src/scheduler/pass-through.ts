import type { PoolTable } from "./pools.js";
import type { Scheduler, SchedulerSnapshot, Slot, SlotRequest } from "./scheduler.js";

/**
 * `scheduler.enabled: false`: no gateway queue and no capacity check. Each request goes at once to
 * the endpoint routing chose (dedicated pools still apply); the engine's own FIFO queue decides
 * who waits.
 */
export class PassThroughScheduler implements Scheduler {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly pools: PoolTable) {}

  endpoints(tenantId: string, model: string): readonly string[] {
    return this.pools.route(tenantId, model)?.endpoints.map((e) => e.url) ?? [];
  }

  async acquire(request: SlotRequest): Promise<Slot> {
    const pool = this.pools.route(request.tenantId, request.model);
    if (pool === undefined) throw new Error(`no pool serves model ${request.model}`);
    request.signal.throwIfAborted();
    const endpoint = request.prefer ?? pool.endpoints[0]!.url;
    this.inFlight.set(endpoint, (this.inFlight.get(endpoint) ?? 0) + 1);
    let released = false;
    return {
      pool: pool.name,
      endpoint,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(endpoint, this.inFlight.get(endpoint)! - 1);
      },
    };
  }

  snapshot(): SchedulerSnapshot {
    return {
      pools: this.pools.pools().map((p) => ({
        name: p.name,
        queued: 0,
        endpoints: p.endpoints.map((e) => ({ ...e, inFlight: this.inFlight.get(e.url) ?? 0 })),
      })),
    };
  }

  async close(): Promise<void> {}
}
