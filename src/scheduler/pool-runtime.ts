import type { FairSchedulerOptions } from "./fair-scheduler.js";
import { serviceTokens } from "./policy.js";
import { PoolCapacity } from "./pool-capacity.js";
import { candidateOf, PoolQueue, type Waiter } from "./pool-queue.js";
import type { Pool } from "./pools.js";
import { storeUnavailable } from "./queue-errors.js";
import type { Slot, Used } from "./scheduler.js";
import type { Candidate, DispatchResult, LeaseRef, ReleaseRequest } from "./slot-store.js";

/** A queued request and how to answer it. */
export interface Pending extends Waiter {
  resolve(slot: Slot): void;
  fail(err: unknown): void;
}

/** A slot held here: what its release and leases() need. */
interface Live {
  readonly id: string;
  readonly tenant: string;
  readonly band: Waiter["band"];
  readonly endpoint: string;
}

/**
 * One pool on this replica: its queue, the slots it holds, and the pump that asks the slot store for
 * slots while requests wait (after every arrival and release, and every `pollMs` while waiting).
 */
export class PoolRuntime {
  readonly queue = new PoolQueue<Pending>();
  private readonly live = new Map<string, Live>();
  private readonly capacity: PoolCapacity;
  private pumping = false;
  private again = false;
  private cancelPoll: (() => void) | null = null;

  constructor(
    readonly pool: Pool,
    private readonly o: FairSchedulerOptions,
    private readonly count: (delta: number) => void,
  ) {
    this.capacity = new PoolCapacity(pool, o.available);
  }

  enqueue(w: Pending): void {
    this.queue.add(w);
    this.count(1);
    void this.pump();
  }

  /**
   * The fast path of a store that answers synchronously (SlotStore.sync): with nobody queued here,
   * asks for a slot for `w` alone at once. Null when it must wait (the store registered it as
   * waiting, as a queued dispatch would; the caller queues it).
   */
  tryNow(w: Waiter): Slot | null {
    const sync = this.o.store.sync;
    if (sync === undefined || this.queue.size > 0 || this.pumping) return null;
    const s = this.o.settings;
    const result = sync.dispatch({
      pool: this.pool.name,
      replica: this.o.replica,
      now: this.o.clock.now(),
      candidates: [candidateOf(w, false)],
      endpoints: this.capacity.rooms(),
      leaseTtlMs: s.leaseTtlMs,
      waitTtlMs: s.waitTtlMs,
      starvationLimit: s.starvationLimit,
    });
    return result.kind === "granted" ? this.slot(w, result.endpoint) : null;
  }

  /** Takes a waiter out of the queue (abort, max wait) and fails it; no-op once it left. */
  drop(w: Pending, err: unknown): void {
    const left = this.queue.remove(w);
    if (left === null) return;
    this.count(-1);
    w.fail(err);
    if (left === "emptied") this.withdraw(w);
    if (this.queue.size === 0) this.stopPolling();
  }

  setExternalLoad(url: string, requests: number): void {
    if (this.capacity.setExternalLoad(url, requests)) void this.pump();
  }

  leases(): LeaseRef[] {
    return [...this.live].map(([lease, l]) => ({ lease, endpoint: l.endpoint, tenant: l.tenant }));
  }

  snapshot() {
    const inFlight = new Map<string, number>();
    for (const l of this.live.values()) inFlight.set(l.endpoint, (inFlight.get(l.endpoint) ?? 0) + 1);
    return {
      name: this.pool.name,
      queued: this.queue.size,
      endpoints: this.capacity.rooms().map((r) => ({ ...r, inFlight: inFlight.get(r.url) ?? 0 })),
    };
  }

  close(err: unknown): void {
    this.stopPolling();
    for (const w of this.queue.all()) this.drop(w, err);
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (this.queue.size > 0) {
          const candidates = this.queue.candidates();
          const s = this.o.settings;
          let result: DispatchResult;
          try {
            result = await this.o.store.dispatch({
              pool: this.pool.name,
              replica: this.o.replica,
              now: this.o.clock.now(),
              candidates,
              endpoints: this.capacity.rooms(),
              leaseTtlMs: s.leaseTtlMs,
              waitTtlMs: s.waitTtlMs,
              starvationLimit: s.starvationLimit,
            });
          } catch (err) {
            this.storeFailed(err);
            break;
          }
          if (result.kind !== "granted") break;
          this.grant(result.lease, result.endpoint, candidates);
        }
      } while (this.again && this.queue.size > 0);
    } finally {
      this.pumping = false;
    }
    if (this.queue.size > 0) this.startPolling();
    else this.stopPolling();
  }

  private grant(lease: string, endpoint: string, candidates: readonly Candidate[]): void {
    const w = this.queue.get(lease);
    const c = candidates.find((x) => x.lease === lease)!;
    if (w === undefined) {
      // It left (client gone, max wait) while the store decided: the slot goes back, charge refunded.
      const live: Live = { id: lease, tenant: c.tenant, band: c.band, endpoint };
      this.releaseSlot(live, -c.cost / c.weight, 0);
      return;
    }
    const left = this.queue.remove(w);
    this.count(-1);
    if (left === "emptied" && c.more) this.withdraw(w);
    w.resolve(this.slot(w, endpoint));
  }

  /** The slot `w` was granted on `endpoint` (its lease is w.id). */
  private slot(w: Waiter, endpoint: string): Slot {
    // Built field by field: on Node 20, `{ ...w, endpoint }` leaves each copy in the old generation.
    const live: Live = { id: w.id, tenant: w.tenant, band: w.band, endpoint };
    this.live.set(w.id, live);
    let released = false;
    this.o.events?.onDispatch?.(this.pool.name, w.tenant, this.o.clock.now() - w.since);
    return {
      pool: this.pool.name,
      endpoint,
      release: (used: Used) => {
        if (released) return;
        released = true;
        const served = serviceTokens(used.input, used.output);
        this.o.events?.onServed?.(this.pool.name, w.tenant, served);
        this.releaseSlot(live, (served - w.cost) / w.weight, this.o.settings.anticipationMs);
      },
    };
  }

  private releaseSlot(l: Live, correction: number, holdMs: number): void {
    this.live.delete(l.id);
    const request: ReleaseRequest = {
      pool: this.pool.name,
      endpoints: this.capacity.rooms(),
      endpoint: l.endpoint,
      lease: l.id,
      tenant: l.tenant,
      band: l.band,
      now: this.o.clock.now(),
      correction,
      holdMs,
      starvationLimit: this.o.settings.starvationLimit,
    };
    // An untaken hold is given away when it ends.
    const held = (h: boolean): void => {
      if (h) this.o.clock.after(holdMs, () => this.kick());
    };
    const sync = this.o.store.sync;
    if (sync !== undefined) {
      try {
        held(sync.release(request));
      } catch (err) {
        this.o.events?.onStoreError?.("release", err);
      }
      this.kick();
      return;
    }
    this.o.store
      .release(request)
      .then(held, (err: unknown) => this.o.events?.onStoreError?.("release", err)) // the lease expires on its own
      .finally(() => this.kick());
  }

  /** Runs the pump when requests wait here (or one is running: it goes round again). */
  private kick(): void {
    if (this.queue.size === 0 && !this.pumping) this.stopPolling();
    else void this.pump();
  }

  private withdraw(w: Waiter): void {
    this.o.store
      .withdraw(this.pool.name, this.o.replica, w.tenant, w.band, this.o.clock.now())
      .catch((err: unknown) => this.o.events?.onStoreError?.("withdraw", err));
  }

  /** The shared state is unreachable: fail closed, every request waiting here gets a 503. */
  private storeFailed(err: unknown): void {
    this.o.events?.onStoreError?.("dispatch", err);
    const refusal = storeUnavailable();
    for (const w of this.queue.all()) {
      this.o.events?.onReject?.(this.pool.name, w.tenant, "store_unavailable");
      this.drop(w, refusal);
    }
  }

  private startPolling(): void {
    this.cancelPoll ??= this.o.clock.after(this.o.settings.pollMs, () => {
      this.cancelPoll = null;
      void this.pump();
    });
  }

  private stopPolling(): void {
    this.cancelPoll?.();
    this.cancelPoll = null;
  }
}
