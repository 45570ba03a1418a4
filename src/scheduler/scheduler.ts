/**
 * The schedule stage (DESIGN.md): between admit and dispatch, a request waits for a slot on an
 * endpoint of its model's pool. Implementations: FairScheduler (per-pool fair queue) and
 * PassThroughScheduler (no queue: every request goes straight to an endpoint, the engine's FIFO
 * decides).
 */
export interface SlotRequest {
  /** The request id; the slot's lease. */
  readonly id: string;
  readonly tenantId: string;
  readonly priority: "high" | "medium" | "low";
  /** Public model name (selects the pool); for a LoRA adapter, its base model. */
  readonly model: string;
  /** Prompt tokens (the reservation's estimate). */
  readonly inputTokens: number;
  /** The output cap: the output estimate until the real usage is known. */
  readonly outputTokens: number;
  /** Aborting it (client gone, time limit) takes the request out of the queue at once. */
  readonly signal: AbortSignal;
  /** The endpoint routing prefers (prefix affinity, least loaded), used when it has room. */
  readonly prefer?: string | null;
  /** Endpoints this request already tried (retries go elsewhere when another has room). */
  readonly avoid?: ReadonlySet<string>;
}

export interface Used {
  readonly input: number;
  readonly output: number;
}

export interface Slot {
  readonly pool: string;
  /** Base URL of the engine to send the request to. */
  readonly endpoint: string;
  /** Frees the slot with what the request really used. Only the first call counts; never throws. */
  release(used: Used): void;
}

export interface Scheduler {
  /** The endpoints of the pool serving `model` to the tenant (its dedicated pool, if any). */
  endpoints(tenantId: string, model: string): readonly string[];
  /**
   * Resolves when the request may be dispatched. Rejects with a catalogued error: 429 queue_full,
   * 503 server_overloaded, 503 limiter_unavailable, or the signal's reason when it aborts.
   */
  acquire(request: SlotRequest): Promise<Slot>;
  /** Local state, for gauges: queued requests per pool and this replica's slots per endpoint. */
  snapshot(): SchedulerSnapshot;
  close(): Promise<void>;
}

export interface SchedulerSnapshot {
  readonly pools: readonly {
    readonly name: string;
    readonly queued: number;
    readonly endpoints: readonly {
      readonly url: string;
      readonly capacity: number;
      readonly inFlight: number;
    }[];
  }[];
}
