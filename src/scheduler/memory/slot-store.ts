import {
  afterDispatch,
  belowShare,
  chooseBand,
  chooseEndpoint,
  lowestCounter,
  type Band,
} from "../policy.js";
import type {
  Candidate,
  DispatchRequest,
  DispatchResult,
  LeaseRef,
  ReleaseRequest,
  SlotStore,
} from "../slot-store.js";
import { EndpointLeases } from "./endpoint-leases.js";
import { bandsOf, PoolState, type LeaseEntry } from "./pool-state.js";

/** The slot store of a single gateway process (the embedded shape). Same semantics as Redis's. */
export class MemorySlotStore implements SlotStore {
  /** Endpoint → its leases. */
  private readonly leases = new Map<string, EndpointLeases>();
  private readonly pools = new Map<string, PoolState>();
  readonly sync = {
    dispatch: (r: DispatchRequest): DispatchResult => this.dispatchNow(r),
    release: (r: ReleaseRequest): boolean => this.releaseNow(r),
  };

  private pool(name: string): PoolState {
    let p = this.pools.get(name);
    if (p === undefined) this.pools.set(name, (p = new PoolState()));
    return p;
  }

  private live(endpoint: string, now: number): Map<string, LeaseEntry> {
    let e = this.leases.get(endpoint);
    if (e === undefined) this.leases.set(endpoint, (e = new EndpointLeases()));
    return e.live(now);
  }

  async dispatch(r: DispatchRequest): Promise<DispatchResult> {
    return this.dispatchNow(r);
  }

  private dispatchNow(r: DispatchRequest): DispatchResult {
    const p = this.pool(r.pool);
    const mine = new Map(r.candidates.map((c) => [c.tenant, c]));
    p.forget(r.replica, mine);
    const waiting = p.waitingTenants(r.now);
    for (const c of r.candidates) {
      if (!waiting.has(c.tenant)) {
        const base = (p.minOfBand(waiting, c.band) ?? p.lastLeft[c.band]!) - c.cost / c.weight;
        if (p.counter(c.tenant) < base) p.counters.set(c.tenant, base);
      }
      waiting.set(c.tenant, c.band);
      p.weights.set(c.tenant, c.weight);
      p.wait(c.band, c.tenant, r.replica, r.now + r.waitTtlMs);
    }
    const present = bandsOf(waiting);
    const sets = r.endpoints.map((e) => this.live(e.url, r.now));
    for (const [id, endpoint] of p.holds) {
      const set = this.live(endpoint, r.now);
      const hold = set.get(id);
      if (hold === undefined) p.holds.delete(id);
      else {
        const c = mine.get(hold.tenant);
        if (c === undefined || c.avoid.includes(endpoint)) continue;
        set.delete(id);
        p.holds.delete(id);
        return this.grant(p, r, c, endpoint, present);
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
    return this.grant(p, r, winner, urls[e]!, present);
  }

  private grant(
    p: PoolState,
    r: DispatchRequest,
    c: Candidate,
    endpoint: string,
    present: readonly boolean[],
  ): DispatchResult {
    this.leases.get(endpoint)!.add(c.lease, { expiry: r.now + r.leaseTtlMs, tenant: c.tenant });
    p.add(c.tenant, c.cost / c.weight);
    afterDispatch(p.skip, c.band, present);
    if (!c.more) p.leave(c.band, c.tenant, r.replica, r.now);
    return { kind: "granted", tenant: c.tenant, lease: c.lease, endpoint };
  }

  async release(r: ReleaseRequest): Promise<boolean> {
    return this.releaseNow(r);
  }

  private releaseNow(r: ReleaseRequest): boolean {
    const p = this.pool(r.pool);
    const freed = this.live(r.endpoint, r.now).delete(r.lease);
    p.add(r.tenant, r.correction);
    if (!freed || r.holdMs <= 0 || !this.mayHold(p, r)) return false;
    const id = `hold:${r.lease}`;
    this.leases.get(r.endpoint)!.add(id, { expiry: r.now + r.holdMs, tenant: r.tenant });
    p.holds.set(id, r.endpoint);
    return true;
  }

  /** Anticipation (slot-store.ts): others wait, the tenant does not, and it would go next or is below its share. */
  private mayHold(p: PoolState, r: ReleaseRequest): boolean {
    if (p.waiting.size === 0) return false; // nobody waits anywhere: nothing to hold a slot against
    const waiting = p.waitingTenants(r.now);
    if (waiting.size === 0 || waiting.has(r.tenant)) return false;
    const present = bandsOf(waiting);
    present[r.band] = true;
    if (chooseBand(present, p.skip, r.starvationLimit) !== r.band) return false;
    const min = p.minOfBand(waiting, r.band);
    if (min === undefined || p.counter(r.tenant) <= min) return true;
    const slots = new Map<string, number>();
    for (const e of r.endpoints) {
      for (const l of this.live(e.url, r.now).values()) slots.set(l.tenant, (slots.get(l.tenant) ?? 0) + 1);
    }
    const capacity = r.endpoints.reduce((n, e) => n + e.capacity, 0);
    const active = [...slots.keys(), ...waiting.keys()];
    return belowShare(r.tenant, slots, active, (t) => p.weights.get(t) ?? 1, capacity);
  }

  async withdraw(pool: string, replica: string, tenant: string, band: Band, now: number): Promise<void> {
    this.pool(pool).leave(band, tenant, replica, now);
  }

  async renew(leases: readonly LeaseRef[], now: number, ttlMs: number): Promise<void> {
    for (const l of leases) {
      const lease = this.live(l.endpoint, now).get(l.lease);
      if (lease !== undefined) lease.expiry = now + ttlMs;
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
