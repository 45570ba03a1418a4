import { costMicros, type Price, type TokenUsage } from "./pricing.js";
import type { Endpoint, UsageEvent } from "./usage-event.js";

const ZERO: TokenUsage = Object.freeze({ input: 0, output: 0, cached: 0 });

/**
 * Accumulates what one request did as it walks the pipeline, then settles it exactly once into a
 * UsageEvent, whichever path (success, rejection, engine failure, client abort) ends it.
 */
export class RequestMeter {
  readonly time = new Date();
  private readonly startedAt: number;
  tenantId: string | null = null;
  keyId: string | null = null;
  user: string | null = null;
  feature: string | null = null;
  model: string | null = null;
  servedModel: string | null = null;
  upstream: string | null = null;
  price: Price | null = null;
  usage: TokenUsage = ZERO;
  stream = false;
  clientAborted = false;
  finishReason: string | null = null;
  promptVersion: string | null = null;
  cacheHit = false;
  /** Guardrail rule that blocked the request: a blocked request costs nothing. */
  blockedBy: string | null = null;
  /** When set, the request is billed this instead of its usage at the model's price (cache hits). */
  costOverride: number | null = null;
  private firstTokenAt: number | null = null;
  private settled = false;

  constructor(
    readonly requestId: string,
    readonly endpoint: Endpoint,
    private readonly clock: () => number = performance.now.bind(performance),
  ) {
    this.startedAt = clock();
  }

  markFirstToken(): void {
    this.firstTokenAt ??= this.clock();
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Returns the event the first time it is called, undefined afterwards (nothing is counted twice). */
  settle(status: number, errorCode: string | null): UsageEvent | undefined {
    if (this.settled || this.tenantId === null) {
      this.settled = true;
      return undefined;
    }
    this.settled = true;
    const now = this.clock();
    return {
      requestId: this.requestId,
      time: this.time,
      tenantId: this.tenantId,
      keyId: this.keyId,
      user: this.user,
      feature: this.feature,
      endpoint: this.endpoint,
      model: this.model,
      servedModel: this.servedModel,
      upstream: this.upstream,
      usage: this.usage,
      costMicros:
        this.blockedBy !== null || this.price === null
          ? 0
          : (this.costOverride ?? costMicros(this.price, this.usage)),
      latencyMs: now - this.startedAt,
      ttftMs: this.firstTokenAt === null ? null : this.firstTokenAt - this.startedAt,
      status,
      errorCode,
      finishReason: this.finishReason,
      stream: this.stream,
      clientAborted: this.clientAborted,
      promptVersion: this.promptVersion,
      cacheHit: this.cacheHit,
      blockedBy: this.blockedBy,
    };
  }
}
