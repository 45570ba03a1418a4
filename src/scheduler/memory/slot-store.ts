import { afterDispatch, chooseBand, chooseEndpoint, lowestCounter, type Band } from "../policy.js";
import type {
  Candidate,
  DispatchRequest,
  DispatchResult,
  LeaseRef,
  ReleaseRequest,
  SlotStore,
} from "../slot-store.js";

interface WaitEntry {
  readonly band: Band;
  readonly tenant: string;
  readonly replica: string;
  expiry: number;
}

interface Hold {
  readonly tenant: string;
  readonly endpoint: string;
}

class PoolState {
  readonly counters = new Map<string, number>();
  /** Key: band|tenant|replica. */
  readonly waiting = new Map<string, WaitEntry>();
  readonly lastLeft = [0, 0, 0];
  readonly skip = [0, 0, 0];
  /** Hold lease id → its tenant and endpoint (the lease itself lives with the endpoint's). */
  readonly holds = new Map<string, Hold>();

  counter(tenant: string): number {
    return this.counters.get(tenant) ?? 0;
  }

  add(tenant: string, amount: number): void {
    this.counters.set(tenant, this.counter(tenant) + amount);
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

  minOfBand(waiting: ReadonlyMap<string, Band>, band: Band): number | undefined {
    let min: number | undefined;
    for (const [t, b] of waiting)
      if (b === band && (min === undefined || this.counter(t) < min)) min = this.counter(t);
    return min;
  }

  /** Removes a replica's entry; records the counter if the tenant no longer waits anywhere. */
  leave(band: Band, tenant: string, replica: string, now: number): void {
    this.waiting.delete(`${band}|${tenant}|${replica}`);
    if (!this.waitingTenants(now).has(tenant)) this.lastLeft[band] = this.counter(tenant);
  }
}

const bandsOf = (waiting: ReadonlyMap<string, Band>): boolean[] => {
  const out = [false, false, false];
  for (const b of waiting.values()) out[b] = true;
  return out;
};

/** The slot store of a single gateway process (the embedded shape). Same semantics as Redis's. */
export class MemorySlotStore implements SlotStore {
  /** Endpoint → lease id → expiry. */
  private readonly leases = new Map<string, Map<string, number>>();
  private readonly pools = new Map<string, PoolState>();

  private pool(name: string): PoolState {
    let p = this.pools.get(name);
    if (p === undefined) this.pools.set(name, (p = new PoolState()));
    return p;
  }

  private live(endpoint: string, now: number): Map<string, number> {
    let set = this.leases.get(endpoint);
    if (set === undefined) this.leases.set(endpoint, (set = new Map<string, number>()));
    for (const [id, expiry] of set) if (expiry <= now) set.delete(id);
    return set;
  }

  async dispatch(r: DispatchRequest): Promise<DispatchResult> {
    const p = this.pool(r.pool);
    const mine = new Map(r.candidates.map((c) => [c.tenant, c]));
    for (const [key, e] of p.waiting)
      if (e.replica === r.replica && !mine.has(e.tenant)) p.waiting.delete(key);
    const waiting = p.waitingTenants(r.now);
    for (const c of r.candidates) {
      if (!waiting.has(c.tenant)) {
        const base = p.minOfBand(waiting, c.band) ?? p.lastLeft[c.band]!;
        if (p.counter(c.tenant) < base) p.counters.set(c.tenant, base);
      }
      waiting.set(c.tenant, c.band);
      p.waiting.set(`${c.band}|${c.tenant}|${r.replica}`, {
        band: c.band,
        tenant: c.tenant,
        replica: r.replica,
        expiry: r.now + r.waitTtlMs,
      });
    }
    const present = bandsOf(waiting);
    const sets = r.endpoints.map((e) => this.live(e.url, r.now));
    for (const [id, hold] of p.holds) {
      const set = this.live(hold.endpoint, r.now);
      if (!set.has(id)) p.holds.delete(id);
      else {
        const c = mine.get(hold.tenant);
        if (c === undefined || c.avoid.includes(hold.endpoint)) continue;
        set.delete(id);
        p.holds.delete(id);
        return this.grant(p, r, c, hold.endpoint, set, present);
      }
    }
    const free = r.endpoints.map((e, i) => e.capacity - sets[i]!.size);
    if (!free.some((f) => f > 0)) return { kind: "full" };
    const band = chooseBand(present, p.skip, r.starvationLimit)!;
    const inBand = [...waiting].filter(([, b]) => b === band).map(([t]) => t);
    const winner = mine.get(lowestCounter(inBand, (t) => p.counter(t))!);
    if (winner === undefined) return { kind: "yield" };
    const urls = r.endpoints.map((e) => e.url);
    const e = chooseEndpoint(free, urls, winner.prefer, winner.avoid);
    return this.grant(p, r, winner, urls[e]!, sets[e]!, present);
  }

  private grant(
    p: PoolState,
    r: DispatchRequest,
    c: Candidate,
    endpoint: string,
    set: Map<string, number>,
    present: readonly boolean[],
  ): DispatchResult {
    set.set(c.lease, r.now + r.leaseTtlMs);
    p.add(c.tenant, c.cost / c.weight);
    afterDispatch(p.skip, c.band, present);
    if (!c.more) p.leave(c.band, c.tenant, r.replica, r.now);
    return { kind: "granted", tenant: c.tenant, lease: c.lease, endpoint };
  }

  async release(r: ReleaseRequest): Promise<boolean> {
    const p = this.pool(r.pool);
    const set = this.live(r.endpoint, r.now);
    const freed = set.delete(r.lease);
    p.add(r.tenant, r.correction);
    if (!freed || r.holdMs <= 0) return false;
    const waiting = p.waitingTenants(r.now);
    if (waiting.size === 0 || waiting.has(r.tenant)) return false;
    const present = bandsOf(waiting);
    present[r.band] = true;
    if (chooseBand(present, p.skip, r.starvationLimit) !== r.band) return false;
    const min = p.minOfBand(waiting, r.band);
    if (min !== undefined && p.counter(r.tenant) > min) return false;
    const id = `hold:${r.lease}`;
    set.set(id, r.now + r.holdMs);
    p.holds.set(id, { tenant: r.tenant, endpoint: r.endpoint });
    return true;
  }

  async withdraw(pool: string, replica: string, tenant: string, band: Band, now: number): Promise<void> {
    this.pool(pool).leave(band, tenant, replica, now);
  }

  async renew(leases: readonly LeaseRef[], now: number, ttlMs: number): Promise<void> {
    for (const l of leases) {
      const set = this.live(l.endpoint, now);
      if (set.has(l.lease)) set.set(l.lease, now + ttlMs);
    }
  }

  async inFlight(endpoints: readonly string[], now: number): Promise<number[]> {
    return endpoints.map((e) => this.live(e, now).size);
  }

  async counters(pool: string): Promise<Record<string, number>> {
    return Object.fromEntries(this.pool(pool).counters);
  }

  async close(): Promise<void> {}
}
