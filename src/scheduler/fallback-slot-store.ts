import type { Band } from "./policy.js";
import type { DispatchRequest, DispatchResult, LeaseRef, ReleaseRequest, SlotStore } from "./slot-store.js";

/**
 * `limits.on_limiter_failure: local` for the scheduler: while the shared store (Redis) fails, this
 * replica schedules on its own in-process store with each endpoint's capacity ÷ replicas, so the
 * engines stay protected and fairness holds locally. Leases go back to the store that granted them.
 */
export class FallbackSlotStore implements SlotStore {
  private readonly localLeases = new Set<string>();

  constructor(
    private readonly primary: SlotStore,
    private readonly local: SlotStore,
    private readonly replicas: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  async dispatch(r: DispatchRequest): Promise<DispatchResult> {
    try {
      return await this.primary.dispatch(r);
    } catch (err) {
      this.onError(err);
      const endpoints = r.endpoints.map((e) => ({
        url: e.url,
        capacity: Math.max(1, Math.floor(e.capacity / this.replicas)),
      }));
      const result = await this.local.dispatch({ ...r, endpoints });
      if (result.kind === "granted") this.localLeases.add(result.lease);
      return result;
    }
  }

  release(r: ReleaseRequest): Promise<boolean> {
    if (this.localLeases.delete(r.lease)) return this.local.release(r);
    return this.primary.release(r);
  }

  async withdraw(pool: string, replica: string, tenant: string, band: Band, now: number): Promise<void> {
    await this.local.withdraw(pool, replica, tenant, band, now);
    await this.primary.withdraw(pool, replica, tenant, band, now);
  }

  async renew(leases: readonly LeaseRef[], now: number, ttlMs: number): Promise<void> {
    const mine = leases.filter((l) => this.localLeases.has(l.lease));
    await this.local.renew(mine, now, ttlMs);
    await this.primary.renew(
      leases.filter((l) => !this.localLeases.has(l.lease)),
      now,
      ttlMs,
    );
  }

  async inFlight(endpoints: readonly string[], now: number): Promise<number[]> {
    const local = await this.local.inFlight(endpoints, now);
    try {
      const shared = await this.primary.inFlight(endpoints, now);
      return shared.map((n, i) => n + local[i]!);
    } catch {
      return local;
    }
  }

  counters(pool: string): Promise<Record<string, number>> {
    return this.primary.counters(pool);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.local.close()]);
  }
}
