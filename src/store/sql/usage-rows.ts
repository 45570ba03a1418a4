import type { Insertable, Selectable } from "kysely";
import type { Endpoint, UsageEvent } from "../../usage/usage-event.js";
import type { RollupDelta } from "../../usage/rollup.js";
import type { UsageEventsTable, UsageRecordsTable } from "./schema.js";

const flag = (b: boolean): number => (b ? 1 : 0);

/** PostgreSQL returns bigint and sums as strings; SQLite as numbers. */
export const num = (v: number | string | bigint | null | undefined): number =>
  v === null || v === undefined ? 0 : Number(v);

/** An hourly rollup increment as a `usage_records` row. */
export function toRollupRow(d: RollupDelta): Insertable<UsageRecordsTable> {
  return {
    tenant_id: d.tenantId,
    hour: d.hour,
    model: d.model,
    price_input: d.priceInput,
    price_cached_input: d.priceCachedInput,
    price_output: d.priceOutput,
    requests: d.requests,
    errors: d.errors,
    input_tokens: d.inputTokens,
    output_tokens: d.outputTokens,
    cached_tokens: d.cachedTokens,
    cost_micros: d.costMicros,
  };
}

export function toRow(e: UsageEvent): Insertable<UsageEventsTable> {
  return {
    request_id: e.requestId,
    tenant_id: e.tenantId,
    time: e.time.toISOString(),
    key_id: e.keyId,
    user_id: e.user,
    feature: e.feature,
    endpoint: e.endpoint,
    model: e.model,
    served_model: e.servedModel,
    model_version: e.modelVersion,
    upstream: e.upstream,
    input_tokens: e.usage.input,
    output_tokens: e.usage.output,
    cached_tokens: e.usage.cached,
    cost_micros: e.costMicros,
    price_input: e.price?.inputPer1k ?? 0,
    price_cached_input: e.price?.cachedInputPer1k ?? 0,
    price_output: e.price?.outputPer1k ?? 0,
    latency_ms: e.latencyMs,
    ttft_ms: e.ttftMs,
    status: e.status,
    error_code: e.errorCode,
    finish_reason: e.finishReason,
    stream: flag(e.stream),
    client_aborted: flag(e.clientAborted),
    cache_hit: flag(e.cacheHit),
    prompt_version: e.promptVersion,
    blocked_by: e.blockedBy,
  };
}

export function fromRow(r: Selectable<UsageEventsTable>): UsageEvent {
  const priced = r.model !== null && r.price_input + r.price_cached_input + r.price_output > 0;
  return {
    requestId: r.request_id,
    time: new Date(r.time),
    tenantId: r.tenant_id,
    keyId: r.key_id,
    user: r.user_id,
    feature: r.feature,
    endpoint: r.endpoint as Endpoint,
    model: r.model,
    servedModel: r.served_model,
    modelVersion: r.model_version,
    upstream: r.upstream,
    usage: { input: r.input_tokens, output: r.output_tokens, cached: r.cached_tokens },
    costMicros: num(r.cost_micros),
    price: priced
      ? { inputPer1k: r.price_input, cachedInputPer1k: r.price_cached_input, outputPer1k: r.price_output }
      : null,
    latencyMs: r.latency_ms,
    ttftMs: r.ttft_ms,
    status: r.status,
    errorCode: r.error_code,
    finishReason: r.finish_reason,
    stream: r.stream === 1,
    clientAborted: r.client_aborted === 1,
    cacheHit: r.cache_hit === 1,
    promptVersion: r.prompt_version,
    blockedBy: r.blocked_by,
  };
}
