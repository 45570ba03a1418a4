import { FairScheduler, type SchedulerSettings } from "../../src/scheduler/fair-scheduler.js";
import { MemorySlotStore } from "../../src/scheduler/memory/slot-store.js";
import { PoolTable, type Pool } from "../../src/scheduler/pools.js";
import type { Slot, SlotRequest } from "../../src/scheduler/scheduler.js";
import type { SlotStore } from "../../src/scheduler/slot-store.js";
import { FakeClock, flush } from "../helpers/fake-clock.js";

/** `store` without its synchronous operations: answers like a store over the network (Redis). */
export function asyncOnly(store: SlotStore): SlotStore {
  return {
    dispatch: (r) => store.dispatch(r),
    release: (r) => store.release(r),
    withdraw: (...a) => store.withdraw(...a),
    renew: (...a) => store.renew(...a),
    inFlight: (...a) => store.inFlight(...a),
    counters: (pool) => store.counters(pool),
    close: () => store.close(),
  };
}

export const T0 = Date.parse("2026-11-25T10:00:00Z");

export const SETTINGS: SchedulerSettings = {
  maxQueuePerTenant: 1000,
  maxQueueTotal: 10_000,
  maxWaitMs: 30_000,
  starvationLimit: 5,
  anticipationMs: 0,
  leaseTtlMs: 30_000,
  pollMs: 1000,
  waitTtlMs: 5000,
};

export interface Ticket {
  readonly id: string;
  readonly tenant: string;
  readonly promise: Promise<Slot>;
  readonly abort: AbortController;
  slot?: Slot;
  error?: unknown;
}

/** A FairScheduler on a memory store, one pool "m", a fake clock, and a log of grants in order. */
export function harness(
  o: {
    capacities?: number[];
    settings?: Partial<SchedulerSettings>;
    weights?: Record<string, number>;
    store?: SlotStore;
    available?: (url: string) => boolean;
  } = {},
) {
  const clock = new FakeClock(T0);
  const store = o.store ?? new MemorySlotStore();
  const pool: Pool = {
    name: "m",
    endpoints: (o.capacities ?? [1]).map((capacity, i) => ({ url: `http://e${i}`, capacity })),
    dedicatedTo: null,
  };
  const scheduler = new FairScheduler({
    store,
    pools: new PoolTable(new Map([["m", pool]]), new Map()),
    clock,
    replica: "r1",
    weightOf: (t) => o.weights?.[t] ?? 1,
    available: o.available,
    settings: { ...SETTINGS, ...o.settings },
  });
  const granted: Ticket[] = [];
  let seq = 0;
  const request = (
    tenant: string,
    r: Partial<Omit<SlotRequest, "tenantId" | "id" | "signal">> = {},
  ): Ticket => {
    const abort = new AbortController();
    const id = `${tenant}-${++seq}`;
    const ticket: Ticket = {
      id,
      tenant,
      abort,
      promise: scheduler.acquire({
        id,
        tenantId: tenant,
        priority: "medium",
        model: "m",
        inputTokens: 10,
        outputTokens: 20,
        signal: abort.signal,
        ...r,
      }),
    };
    ticket.promise.then(
      (slot) => {
        ticket.slot = slot;
        granted.push(ticket);
      },
      (err: unknown) => {
        ticket.error = err;
      },
    );
    return ticket;
  };
  /** Releases the oldest held slot with its estimate as usage; returns its tenant. */
  const finishOldest = async (): Promise<string> => {
    await flush();
    const t = granted.find((g) => g.slot !== undefined && !done.has(g));
    if (t === undefined) throw new Error("no slot to release");
    done.add(t);
    t.slot!.release({ input: 10, output: 20 });
    await flush();
    return t.tenant;
  };
  const done = new Set<Ticket>();
  /** Releases one ticket's slot with `used` (default: its estimate). */
  const finish = async (t: Ticket, used = { input: 10, output: 20 }): Promise<void> => {
    await flush();
    done.add(t);
    t.slot!.release(used);
    await flush();
  };
  return { clock, store, scheduler, request, granted, finishOldest, finish, done };
}
