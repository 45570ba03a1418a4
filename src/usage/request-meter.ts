import { costMicros, type Price, type TokenUsage } from "./pricing.js";
import type { Endpoint, UsageEvent } from "./usage-event.js";

const ZERO: TokenUsage = Object.freeze({ input: 0, output: 0, cached: 0 });

/** What a meter reads when it settles (the PriceBook of src/usage/price-book.ts). */
export interface MeterPrices {
  /** The unit prices in effect for a tenant, model and time; undefined if the book has none. */
  price(tenantId: string, model: string, time: number): Price | undefined;
  version(model: string): string | null;
}

export interface MeterOptions {
  /** Wall-clock time of the request (ms since the epoch), default now: prices and periods follow it. */
  readonly now?: number;
  readonly prices?: MeterPrices;
}

/**
 * Accumulates what one request did as it walks the pipeline, then settles it exactly once into a
 * UsageEvent, whichever path (success, rejection, engine failure, client abort) ends it.
 */
export class RequestMeter {
  readonly time: Date;
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
  /** Set at settlement when a sink holds the event durably: resolves once it does (see UsageSink). */
  durable: Promise<void> | null = null;
  private firstTokenAt: number | null = null;
  private settled = false;

  constructor(
    readonly requestId: string,
    readonly endpoint: Endpoint,
    private readonly clock: () => number = performance.now.bind(performance),
    private readonly options: MeterOptions = {},
  ) {
    this.startedAt = clock();
    this.time = new Date(options.now ?? Date.now());
  }

  /**
   * The unit prices this request is charged: the price book's for its tenant, model and time (dated
   * prices, tenant overrides), else the route's list price; null while no model is authorized.
   */
  effectivePrice(): Price | null {
    if (this.price === null || this.model === null || this.tenantId === null) return this.price;
    return this.options.prices?.price(this.tenantId, this.model, this.time.getTime()) ?? this.price;
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
    const price = this.blockedBy !== null ? null : this.effectivePrice();
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
      modelVersion: this.model === null ? null : (this.options.prices?.version(this.model) ?? null),
      upstream: this.upstream,
      usage: this.usage,
      costMicros: price === null ? 0 : (this.costOverride ?? costMicros(price, this.usage)),
      price,
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
