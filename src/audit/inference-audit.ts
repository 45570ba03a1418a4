import type { LedgerAudit } from "../store/port.js";
import type { UsageEvent } from "../usage/usage-event.js";
import { link, type AuditEntry } from "./chain.js";

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

/** A replica's chain of inference records, next to its chain of admin actions. */
export function inferenceChain(replicaChain: string): string {
  return `${replicaChain}.inference`;
}

/**
 * Every inference call's audit record, written by the usage ledger with the call's usage event, in
 * the same store transaction: exactly one record per request (a replayed batch stores neither twice),
 * and nothing on the request path — the usage journal already holds what the record is made of.
 */
export function inferenceAudit(chain: string): LedgerAudit {
  return { chain, records: (head, stored) => link(chain, head, stored.map(inferenceEntry)) };
}
