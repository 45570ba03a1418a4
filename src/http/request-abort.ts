/**
 * The abort signal of one inference request: the client going away or the gateway's time limit.
 *
 * It is an `AbortSignal` to everything that takes one (undici, `events.once`, the scheduler, the
 * guards), without being made by `new AbortController()`: on Node 20 each AbortController's signal
 * (built by Node with `Object.setPrototypeOf`, then given its fields) reaches the old generation
 * however short its life, ~0.5 KB per request. At 1,000 requests/s that was the largest part of the
 * gateway's old-generation growth and of the full collections that followed (bench/RESULTS.md,
 * "overhead — 2026-11-26, session 4"). An EventTarget subclass with fixed fields has none of that.
 *
 * What it does not support, and nothing on the request path uses: `AbortSignal.any()` with it as a
 * source (Node links composite signals through internal slots it lacks; link with a listener, as
 * upstream/http-guard.ts does) and transfer to a worker.
 */
export class RequestAbort extends EventTarget implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, ev: Event) => unknown) | null = null;

  /** The signal side, for the code that only listens. */
  get signal(): AbortSignal {
    return this;
  }

  /** Aborts once (later calls do nothing): sets the reason and dispatches "abort". */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const event = new Event("abort");
    this.onabort?.call(this, event);
    this.dispatchEvent(event);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }
}
