import type { FastifyReply, FastifyRequest } from "fastify";
import { responseCacheKey } from "../../customize/response-cache.js";
import { readEngineUsage } from "../../usage/engine-usage.js";
import type { GatewayDeps } from "../deps.js";
import { settle } from "../settle.js";
import type { Plan } from "./plan.js";

export interface CacheDecision {
  readonly key: string | null;
  /** Whether a fresh answer may be stored (`cache-control: no-store` forbids it). */
  readonly store: boolean;
}

/**
 * Exact-match response cache for non-streamed requests of tenants that opted in. A hit is answered
 * here — no engine work, no admission — marked `x-tollgate-cache: hit` and billed by the tenant's
 * policy; `cache-control: no-cache` skips the lookup, `no-store` also skips storing.
 */
export async function serveFromCache(
  deps: GatewayDeps,
  plan: Plan,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<CacheDecision | "served"> {
  const policy = plan.custom.responseCache;
  if (policy === null || plan.stream) return { key: null, store: false };
  const directives = String(request.headers["cache-control"] ?? "").toLowerCase();
  const noStore = directives.includes("no-store");
  const key = responseCacheKey(plan.tenant.id, plan.spec.endpoint, plan.model.name, plan.body);
  void reply.header("x-tollgate-cache", "miss");
  if (noStore || directives.includes("no-cache")) return { key, store: !noStore };
  const hit = await deps.responseCache.get(key);
  if (hit === undefined) return { key, store: true };
  const json = JSON.parse(hit) as Record<string, unknown>;
  const meter = request.meter!;
  meter.cacheHit = true;
  meter.usage = readEngineUsage(json.usage) ?? meter.usage;
  if (policy.free) meter.costOverride = 0;
  settle(deps.sinks, meter, 200, null);
  await reply.header("x-tollgate-cache", "hit").header("content-type", "application/json").send(hit);
  return "served";
}

export async function storeInCache(
  deps: GatewayDeps,
  plan: Plan,
  decision: CacheDecision,
  json: Record<string, unknown> | null,
): Promise<void> {
  if (decision.key === null || !decision.store || json === null || plan.custom.responseCache === null) return;
  const text = JSON.stringify(json);
  if (Buffer.byteLength(text) > deps.limits.responseCacheMaxBytes) return;
  await deps.responseCache.set(decision.key, text, plan.custom.responseCache.ttlMs);
}
