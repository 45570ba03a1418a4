import type { FastifyRequest } from "fastify";
import type { Dispatcher } from "undici";
import { ApiError, UpstreamError } from "../../errors.js";
import type { ModelRoute } from "../../tenancy/policy.js";
import { isAbort } from "../../upstream/engine-client.js";
import type { GatewayDeps } from "../deps.js";
import { engineFailure } from "../relay.js";
import type { Plan } from "./plan.js";

export interface Connection {
  readonly res: Dispatcher.ResponseData;
  readonly endpoint: string;
  /** Frees the endpoint (in-flight count, LoRA use) once the response is finished. */
  readonly release: () => void;
}

/** Failures worth another endpoint (or model): the engine was unreachable or said it is unavailable. */
export function isRetriable(err: unknown): boolean {
  return (
    (err instanceof ApiError && err.code === "upstream_unavailable") ||
    (err instanceof UpstreamError && (err.status === 502 || err.status === 503))
  );
}

/**
 * Opens the engine response for `model`: picks a healthy endpoint of the tenant's pool (least in
 * flight, or prefix affinity), waits for a slot in the pool's fair queue (there, or wherever the
 * scheduler finds room), loads the tenant's LoRA adapter there if needed, and on a connection
 * error or a 502/503 — before any byte was relayed — tries up to `routing.retries` other
 * endpoints. Records each outcome for passive ejection. Throws the last failure.
 */
export async function connect(
  deps: GatewayDeps,
  plan: Plan,
  model: ModelRoute,
  payload: string,
  request: FastifyRequest,
  signal: AbortSignal,
): Promise<Connection> {
  const tried = new Set<string>();
  let last: unknown = null; // built only on failure: errors capture a stack, costly on the success path
  const pool = model.lora?.base ?? model.name; // an adapter runs on its base model's engines
  // a hosted API that takes the requesting tenant's own credential (models.<name>.upstream_auth)
  const pendingAuth = deps.upstreamAuth.headers(plan.tenant.id, pool);
  const auth = pendingAuth === null ? null : await pendingAuth;
  for (let attempt = 0; attempt <= deps.routing.retries; attempt++) {
    const preferred = deps.picker.pick(deps.scheduler.endpoints(plan.tenant.id, pool), {
      exclude: tried,
      available: (u) => deps.health.available(u),
      affinityKey: plan.affinityKey,
    });
    if (preferred === null) break;
    if (attempt > 0) deps.metrics.retries.inc({ model: model.name });
    // schedule: wait for a slot in the pool's fair queue (on the preferred endpoint if it has room)
    const slot = await deps.scheduler.acquire({
      id: request.id,
      tenantId: plan.tenant.id,
      priority: plan.tenant.priority,
      model: pool,
      inputTokens: plan.promptTokens,
      outputTokens: plan.maxOutput,
      signal,
      prefer: preferred,
      avoid: tried,
    });
    const endpoint = slot.endpoint;
    tried.add(endpoint);
    request.meter!.upstream = endpoint;
    deps.picker.acquire(endpoint);
    deps.health.begin(endpoint);
    let releaseLora = (): void => undefined;
    const release = () => {
      releaseLora();
      deps.picker.release(endpoint);
      slot.release(request.meter!.usage);
    };
    try {
      if (model.lora !== undefined)
        releaseLora = await deps.loras.acquire(endpoint, model.lora, model.maxLoras, signal);
      const res = await deps.engines.post({
        baseUrl: endpoint,
        path: plan.spec.path,
        body: payload,
        headers: auth === null ? { "x-request-id": request.id } : { ...auth, "x-request-id": request.id },
        signal,
      });
      if (res.statusCode >= 500) deps.health.failure(endpoint);
      else deps.health.success(endpoint);
      if (res.statusCode < 400) return { res, endpoint, release };
      if (res.statusCode === 404 && model.lora !== undefined) deps.loras.forget(endpoint, model.lora.name);
      throw await engineFailure(res);
    } catch (err) {
      release();
      if (isAbort(err) || signal.aborted || !isRetriable(err)) throw err;
      if (err instanceof ApiError) deps.health.failure(endpoint);
      last = err;
    }
  }
  throw last instanceof Error ? last : new ApiError("upstream_unavailable");
}
