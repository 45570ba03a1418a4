import type { UsageEvent, UsageSink } from "../usage/usage-event.js";
import type { AuditLog } from "./audit-log.js";
import type { AuditEntry } from "./chain.js";

/** The audit record of one inference call: who (key, end user), what (model), and what it cost. */
export function inferenceEntry(e: UsageEvent): AuditEntry {
  return {
    time: e.time.toISOString(),
    actor: e.keyId === null ? "anonymous" : `key:${e.keyId}`,
    action: "inference",
    tenant: e.tenantId,
    target: e.model,
    sourceIp: null,
    data: {
      request_id: e.requestId,
      endpoint: e.endpoint,
      user: e.user,
      feature: e.feature,
      model: e.model,
      served_model: e.servedModel,
      upstream: e.upstream,
      input_tokens: e.usage.input,
      output_tokens: e.usage.output,
      cached_tokens: e.usage.cached,
      cost_micros: e.costMicros,
      status: e.status,
      error_code: e.errorCode,
      stream: e.stream,
      client_aborted: e.clientAborted,
      cache_hit: e.cacheHit,
      blocked_by: e.blockedBy,
    },
  };
}

/** A usage sink that leaves an audit record for every settled inference call (never blocks it). */
export class InferenceAudit implements UsageSink {
  constructor(private readonly log: AuditLog) {}

  record(event: UsageEvent): void {
    this.log.record(inferenceEntry(event));
  }
}
