import type { Band } from "../policy.js";

interface WaitEntry {
  readonly band: Band;
  readonly tenant: string;
  readonly replica: string;
  expiry: number;
}

/** A live slot lease (or hold) on an endpoint. */
export interface LeaseEntry {
  expiry: number;
  readonly tenant: string;
}

/** The shared state of one pool in the memory slot store (see slot-store.ts). */
export class PoolState {
  readonly counters = new Map<string, number>();
  readonly weights = new Map<string, number>();
  /** Key: band|tenant|replica. */
  readonly waiting = new Map<string, WaitEntry>();
  readonly lastLeft = [0, 0, 0];
  readonly skip = [0, 0, 0];
  /** Hold lease id → its endpoint (the lease itself lives with the endpoint's). */
  readonly holds = new Map<string, string>();

  counter(tenant: string): number {
    return this.counters.get(tenant) ?? 0;
  }

  add(tenant: string, amount: number): void {
    this.counters.set(tenant, this.counter(tenant) + amount);
  }

  wait(band: Band, tenant: string, replica: string, expiry: number): void {
    this.waiting.set(`${band}|${tenant}|${replica}`, { band, tenant, replica, expiry });
  }

  /** Live waiting tenants and their band. */
  waitingTenants(now: number): Map<string, Band> {
    const out = new Map<string, Band>();
    for (const [key, e] of this.waiting) {
      if (e.expiry <= now) this.waiting.delete(key);
      else out.set(e.tenant, e.band);
    }
    return out;
  }

  /** Drops a replica's entries for tenants that no longer wait there. */
  forget(replica: string, keep: ReadonlyMap<string, unknown>): void {
    for (const [key, e] of this.waiting)
      if (e.replica === replica && !keep.has(e.tenant)) this.waiting.delete(key);
  }

  minOfBand(waiting: ReadonlyMap<string, Band>, band: Band): number | undefined {
    let min: number | undefined;
    for (const [t, b] of waiting) {
      if (b === band && (min === undefined || this.counter(t) < min)) min = this.counter(t);
    }
    return min;
  }

  /** Removes a replica's entry; records the counter if the tenant no longer waits anywhere. */
  leave(band: Band, tenant: string, replica: string, now: number): void {
    this.waiting.delete(`${band}|${tenant}|${replica}`);
    if (!this.waitingTenants(now).has(tenant)) this.lastLeft[band] = this.counter(tenant);
  }
}

export const bandsOf = (waiting: ReadonlyMap<string, Band>): boolean[] => {
  const out = [false, false, false];
  for (const b of waiting.values()) out[b] = true;
  return out;
};
