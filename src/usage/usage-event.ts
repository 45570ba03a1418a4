import type { Price, TokenUsage } from "./pricing.js";

export type Endpoint = "chat" | "completions" | "embeddings";

/** One request's outcome, whatever it was: the input of metrics, the ledger and the audit trail. */
export interface UsageEvent {
  readonly requestId: string;
  readonly time: Date;
  readonly tenantId: string;
  readonly keyId: string | null;
  /** End user: the OpenAI `user` field or the `x-tollgate-user` header. */
  readonly user: string | null;
  /** Caller's feature tag: the `x-tollgate-feature` header. */
  readonly feature: string | null;
  readonly endpoint: Endpoint;
  /** Public model name, as the tenant asked for it (null when the request never named a valid one). */
  readonly model: string | null;
  readonly servedModel: string | null;
  /** The served model's configured version (`models.<name>.version`), if any. */
  readonly modelVersion: string | null;
  /** Engine base URL that served the request. */
  readonly upstream: string | null;
  readonly usage: TokenUsage;
  readonly costMicros: number;
  /** The unit prices the request was charged at (tenant override and date applied); null if unpriced. */
  readonly price: Price | null;
  readonly latencyMs: number;
  readonly ttftMs: number | null;
  readonly status: number;
  /** Catalogue or engine error code for failures; null on success. */
  readonly errorCode: string | null;
  readonly finishReason: string | null;
  readonly stream: boolean;
  readonly clientAborted: boolean;
  /** Version id of the tenant system prompt applied ("<id>@<version>"), if any. */
  readonly promptVersion: string | null;
  /** Served from the response cache (no engine work). */
  readonly cacheHit: boolean;
  /** The guardrail rule that blocked the request or its output ("pii:email", "deny:0", …), if any. */
  readonly blockedBy: string | null;
}

/** Receives every settled request. Sinks must not throw and must not block (queue, then write). */
export interface UsageSink {
  record(event: UsageEvent): void;
  /**
   * Only for a sink that must hold the event durably before the response's last bytes go out (the
   * ledger's journal): after `record(event)`, resolves once the event is durable. Never rejects.
   * Group commit keeps this cheap: all events settled meanwhile share one write.
   */
  durable?(event: UsageEvent): Promise<void>;
}
