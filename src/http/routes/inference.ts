import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../../errors.js";
import { costMicros } from "../../usage/pricing.js";
import type { GatewayDeps } from "../deps.js";
import { dispatch } from "../pipeline/dispatch.js";
import { ENDPOINTS, type EndpointSpec } from "../pipeline/endpoints.js";
import { planRequest } from "../pipeline/plan.js";
import { RequestAbort } from "../request-abort.js";
import { serveFromCache, storeInCache } from "../pipeline/response-cache-stage.js";

/**
 * POST /v1/chat/completions, /v1/completions, /v1/embeddings: the request pipeline of DESIGN.md
 * (authenticate ran in the onRequest hook) → authorize model + customize (plan) → response cache →
 * admit → dispatch → settle.
 */
export function inferenceRoutes(deps: GatewayDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    for (const spec of Object.values(ENDPOINTS) as EndpointSpec[]) {
      app.post(spec.path.slice("/v1".length), { config: { endpoint: spec.endpoint } }, (request, reply) =>
        handle(deps, spec, request, reply),
      );
    }
  };
}

async function handle(
  deps: GatewayDeps,
  spec: EndpointSpec,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const meter = request.meter!;
  // One signal for the whole request: the client going away or the gateway's time limit.
  const abort = new RequestAbort();
  const onClose = (): void => {
    if (!reply.raw.writableFinished) {
      meter.clientAborted = true;
      abort.abort(new ApiError("client_closed"));
    }
  };
  reply.raw.once("close", onClose);
  const timer = setTimeout(
    () => abort.abort(new ApiError("upstream_timeout", "The request exceeded the gateway's time limit.")),
    deps.limits.requestTimeoutMs,
  );
  try {
    const plan = await planRequest(deps, spec, request, abort.signal);
    const cache = await serveFromCache(deps, plan, request, reply);
    if (cache === "served") return reply;

    // admit: reserve the worst case (prompt with margin + the output cap) before any money is spent
    const reservedInput = Math.ceil(plan.promptTokens * deps.limits.promptEstimateFactor);
    const rateHeaders = await deps.admission.admit(request.id, plan.tenant, plan.principal, {
      tokens: reservedInput + plan.maxOutput,
      // at the price this request will be charged (its tenant's, in effect now)
      micros: costMicros(meter.effectivePrice() ?? plan.model.price, {
        input: reservedInput,
        output: plan.maxOutput,
        cached: 0,
      }),
    });
    void reply.headers(rateHeaders);

    const json = await dispatch(deps, plan, request, reply, abort.signal);
    await storeInCache(deps, plan, cache, json);
    return reply;
  } finally {
    clearTimeout(timer);
    reply.raw.off("close", onClose);
  }
}
