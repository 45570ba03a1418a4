import type { Band } from "./policy.js";

/**
 * The slot-store port: the state the fair queue shares between gateway replicas. Adapters:
 * memory/slot-store.ts (one process) and redis/slot-store.ts (any number of replicas). Each replica
 * keeps its own queued requests; what they share is who may go next and where there is room:
 *
 * - Endpoint slots: one lease per dispatched request on an endpoint, expiring `leaseTtlMs` after its
 *   grant or last renewal (a crashed replica's slots come back). An endpoint has room while its
 *   live leases are fewer than its capacity.
 * - Per pool: each tenant's virtual token counter, the waiting set (which tenants wait, in which
 *   band, on which replica: entries expire `waitTtlMs` after the replica last asked), the band skip
 *   counters and the last counter that left the waiting set (policy.ts).
 * - Anticipation holds: on release, a slot may be kept for its tenant for `holdMs` when the tenant
 *   is not waiting but others are, and its band would be served next, and either its counter is
 *   the band's lowest or it holds fewer slots than its weighted share of the pool (policy.ts) — a
 *   client that sends its next request as soon as the last one ends. A hold counts against
 *   capacity and only its tenant can take it.
 *
 * Every operation is atomic. Time is the caller's `now` (ms since the epoch).
 */

export interface Candidate {
  readonly tenant: string;
  readonly band: Band;
  readonly weight: number;
  /** Virtual tokens of the tenant's head request here: input + 2 × output estimate. */
  readonly cost: number;
  /** The head request's id; becomes its slot lease. */
  readonly lease: string;
  /** Whether more of the tenant's requests wait here behind the head. */
  readonly more: boolean;
  /** Endpoint URL it would rather go to (prefix affinity), or "". */
  readonly prefer: string;
  /** Endpoints it should not go to if another has room (already tried by this request). */
  readonly avoid: readonly string[];
}

export interface EndpointRoom {
  readonly url: string;
  /** Slots the gateway may fill (configured max_num_seqs less load from elsewhere). */
  readonly capacity: number;
}

export interface DispatchRequest {
  readonly pool: string;
  readonly replica: string;
  readonly now: number;
  /** This replica's waiting tenants in the pool, one head request each. */
  readonly candidates: readonly Candidate[];
  readonly endpoints: readonly EndpointRoom[];
  readonly leaseTtlMs: number;
  readonly waitTtlMs: number;
  readonly starvationLimit: number;
}

/**
 * `granted`: the candidate `lease` of `tenant` holds a slot on `endpoint` (its counter is charged).
 * `full`: no endpoint has room. `yield`: there is room, but a tenant waiting on another replica goes
 * first. Either way the candidates are registered as waiting.
 */
export type DispatchResult =
  | { readonly kind: "granted"; readonly tenant: string; readonly lease: string; readonly endpoint: string }
  | { readonly kind: "full" }
  | { readonly kind: "yield" };

export interface ReleaseRequest {
  readonly pool: string;
  /** The pool's endpoints (for its slot shares). */
  readonly endpoints: readonly EndpointRoom[];
  readonly endpoint: string;
  readonly lease: string;
  readonly tenant: string;
  readonly band: Band;
  readonly now: number;
  /** Added to the tenant's counter: (actual − charged cost) ÷ weight; negative refunds. */
  readonly correction: number;
  /** Anticipation: keep the slot this long for the tenant if it would go next (0: never). */
  readonly holdMs: number;
  readonly starvationLimit: number;
}

export interface LeaseRef {
  readonly endpoint: string;
  readonly lease: string;
  readonly tenant: string;
}

export interface SlotStore {
  dispatch(request: DispatchRequest): Promise<DispatchResult>;
  /** Frees a slot (idempotent) and corrects the counter; resolves true if it became a hold. */
  release(request: ReleaseRequest): Promise<boolean>;
  /**
   * The same two operations answered synchronously, by a store whose state is in this process
   * (memory): the scheduler then grants an uncontended request and frees its slot without a
   * promise, a timer or an abort listener per request. Stores over the network leave them out.
   */
  readonly sync?: {
    dispatch(request: DispatchRequest): DispatchResult;
    release(request: ReleaseRequest): boolean;
  };
  /** A replica's tenant stopped waiting without a dispatch (its queued requests left). */
  withdraw(pool: string, replica: string, tenant: string, band: Band, now: number): Promise<void>;
  /** Extends live leases to now + ttlMs; unknown or expired ones are ignored. */
  renew(leases: readonly LeaseRef[], now: number, ttlMs: number): Promise<void>;
  /** Live leases (holds included) per endpoint, across replicas. */
  inFlight(endpoints: readonly string[], now: number): Promise<number[]>;
  /** The pool's virtual token counters (tests, diagnostics). */
  counters(pool: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}
