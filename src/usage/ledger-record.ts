import type { Price, TokenUsage } from "./pricing.js";
import type { Endpoint, UsageEvent } from "./usage-event.js";

/**
 * A usage event as a journal record: one JSON line, versioned. Attribution strings that come from
 * clients (user, feature) lose control characters (PostgreSQL text refuses NUL) and are cut to 256.
 */

const VERSION = 1;
const MAX_ATTRIBUTION = 256;

const CONTROL = /\p{Cc}/u;
const CONTROLS = /\p{Cc}/gu;

const clean = (s: string | null): string | null => {
  if (s === null) return null;
  const kept = CONTROL.test(s) ? s.replace(CONTROLS, "") : s;
  return kept.length > MAX_ATTRIBUTION ? kept.slice(0, MAX_ATTRIBUTION) : kept;
};

/** One JSON line. The record is built field by field (one hidden class: JSON.stringify's fast path). */
export function encodeEvent(e: UsageEvent): string {
  return JSON.stringify({
    v: VERSION,
    requestId: e.requestId,
    time: e.time.toISOString(), // what JSON.stringify writes for a Date, without its toJSON call
    tenantId: e.tenantId,
    keyId: e.keyId,
    user: clean(e.user),
    feature: clean(e.feature),
    endpoint: e.endpoint,
    model: e.model,
    servedModel: e.servedModel,
    modelVersion: e.modelVersion,
    upstream: e.upstream,
    usage: e.usage,
    costMicros: e.costMicros,
    price: e.price,
    latencyMs: e.latencyMs,
    ttftMs: e.ttftMs,
    status: e.status,
    errorCode: e.errorCode,
    finishReason: e.finishReason,
    stream: e.stream,
    clientAborted: e.clientAborted,
    promptVersion: e.promptVersion,
    cacheHit: e.cacheHit,
    blockedBy: e.blockedBy,
  } satisfies Record<keyof UsageEvent | "v", unknown>);
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const count = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
const real = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const ENDPOINTS: readonly string[] = ["chat", "completions", "embeddings"];

function usageOf(v: unknown): TokenUsage | undefined {
  if (v === null || typeof v !== "object") return undefined;
  const u = v as Record<string, unknown>;
  const input = count(u.input);
  const output = count(u.output);
  const cached = count(u.cached);
  return input === undefined || output === undefined || cached === undefined
    ? undefined
    : { input, output, cached };
}

function priceOf(v: unknown): Price | null {
  if (v === null || typeof v !== "object") return null;
  const p = v as Record<string, unknown>;
  const inputPer1k = count(p.inputPer1k);
  const outputPer1k = count(p.outputPer1k);
  const cachedInputPer1k = count(p.cachedInputPer1k);
  if (inputPer1k === undefined || outputPer1k === undefined || cachedInputPer1k === undefined) return null;
  return { inputPer1k, outputPer1k, cachedInputPer1k };
}

/** The event of a journal record, or undefined for a record that is not one (corrupt, unknown version). */
export function decodeEvent(line: string): UsageEvent | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (r === null || typeof r !== "object" || r.v !== VERSION) return undefined;
  const requestId = str(r.requestId);
  const tenantId = str(r.tenantId);
  const time = new Date(str(r.time) ?? NaN);
  const usage = usageOf(r.usage);
  const costMicros = count(r.costMicros);
  const status = count(r.status);
  const endpoint = str(r.endpoint);
  if (requestId === null || tenantId === null || Number.isNaN(time.getTime()) || usage === undefined)
    return undefined;
  if (
    costMicros === undefined ||
    status === undefined ||
    endpoint === null ||
    !ENDPOINTS.includes(endpoint)
  ) {
    return undefined;
  }
  return {
    requestId,
    time,
    tenantId,
    keyId: str(r.keyId),
    user: str(r.user),
    feature: str(r.feature),
    endpoint: endpoint as Endpoint,
    model: str(r.model),
    servedModel: str(r.servedModel),
    modelVersion: str(r.modelVersion),
    upstream: str(r.upstream),
    usage,
    costMicros,
    price: priceOf(r.price),
    latencyMs: real(r.latencyMs) ?? 0,
    ttftMs: real(r.ttftMs),
    status,
    errorCode: str(r.errorCode),
    finishReason: str(r.finishReason),
    stream: r.stream === true,
    clientAborted: r.clientAborted === true,
    promptVersion: str(r.promptVersion),
    cacheHit: r.cacheHit === true,
    blockedBy: str(r.blockedBy),
  };
}
