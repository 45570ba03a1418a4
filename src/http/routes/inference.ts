import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../../errors.js";
import { isAbort, toEngineError } from "../../upstream/engine-client.js";
import { costMicros, type TokenUsage } from "../../usage/pricing.js";
import type { GatewayDeps } from "../deps.js";
import { parseBody } from "../openai-schemas.js";
import {
  engineFailure,
  readJsonResponse,
  relayStream,
  StreamTransformer,
  type StreamOutcome,
} from "../relay.js";
import { settle } from "../settle.js";
import { ENDPOINTS, outputCap, upstreamBody, type EndpointSpec } from "./endpoints.js";

/**
 * POST /v1/chat/completions, /v1/completions, /v1/embeddings: the request pipeline
 * (authenticate ran in the onRequest hook) → authorize model → customize → dispatch → settle.
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
  const principal = request.principal!;
  const tenant = deps.catalog.tenant(principal.tenantId)!;
  const body = parseBody(spec.schema, request.body);

  // authorize model
  const found = deps.catalog.resolveModel(tenant, body.model, principal.keyModels);
  if (!found.ok) {
    // A known model outside the tenant's tier is recorded by name; unknown names are not (label cardinality).
    if (found.reason === "not_allowed") meter.model = body.model;
    throw found.reason === "not_found"
      ? new ApiError("model_not_found", `The model '${body.model}' does not exist.`, "model")
      : new ApiError(
          "model_not_allowed",
          `The model '${body.model}' is not available to your tenant.`,
          "model",
        );
  }
  const model = found.model;
  if (model.kind !== spec.kind) {
    throw new ApiError(
      "unsupported_model_kind",
      `The model '${model.name}' does not serve ${spec.path}.`,
      "model",
    );
  }
  meter.model = model.name;
  meter.servedModel = model.servedModel;
  meter.price = model.price;
  meter.user ??= typeof body.user === "string" ? body.user : null;
  const stream = spec.streams && (body as { stream?: boolean | null }).stream === true;
  meter.stream = stream;
  const wantsUsage = (body as { stream_options?: { include_usage?: boolean } | null }).stream_options
    ?.include_usage;

  // customize
  const maxOutput = outputCap(spec, body, model);
  const payload = JSON.stringify(upstreamBody(spec, body, model, stream, maxOutput));

  // admit: reserve the worst case (prompt with margin + the output cap) before any money is spent
  const promptTokens = spec.promptTokens(body);
  const reservedInput = Math.ceil(promptTokens * deps.limits.promptEstimateFactor);
  const worstCase = { input: reservedInput, output: maxOutput, cached: 0 };
  const rateHeaders = await deps.admission.admit(request.id, tenant, principal, {
    tokens: reservedInput + maxOutput,
    micros: costMicros(model.price, worstCase),
  });
  void reply.headers(rateHeaders);
  const estimate = (output = 0): TokenUsage => ({ input: promptTokens, output, cached: 0 });

  const baseUrl = deps.picker.pick(model.upstreams);
  meter.upstream = baseUrl;
  deps.picker.acquire(baseUrl);
  const abort = new AbortController();
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
  // A transport failure after an abort is reported as the abort's reason (client gone or time limit).
  const classify = (err: unknown): unknown =>
    abort.signal.aborted && (isAbort(err) || !(err instanceof ApiError)) ? abort.signal.reason : err;

  let transformer: StreamTransformer | null = null;
  try {
    const res = await deps.engines.post({
      baseUrl,
      path: spec.path,
      body: payload,
      headers: { "x-request-id": request.id },
      signal: abort.signal,
    });
    if (res.statusCode >= 400) throw await engineFailure(res);

    if (!stream) {
      const json = await readJsonResponse(res, model.name, meter, estimate);
      settle(deps.sinks, meter, 200, null);
      return await reply.send(json);
    }

    transformer = new StreamTransformer(model.name, wantsUsage === true);
    reply.hijack();
    reply.raw.writeHead(200, {
      ...rateHeaders,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-request-id": request.id,
    });
    const t = transformer;
    const finish = (o: StreamOutcome): void => {
      meter.usage = t.usage ?? estimate(t.contentChunks);
      meter.finishReason = t.finishReason;
      settle(deps.sinks, meter, o.status, o.errorCode);
    };
    try {
      await relayStream(res, reply.raw, t, meter, abort.signal, finish);
    } catch (err) {
      const failure = classify(toEngineError(err, baseUrl));
      // After the first bytes, a lost connection is a broken stream, not an unreachable engine.
      const api =
        failure instanceof ApiError && failure.code !== "upstream_unavailable"
          ? failure
          : new ApiError("upstream_error", "The model engine's stream broke off.");
      finish({ status: api.status, errorCode: api.code });
      if (!meter.clientAborted && reply.raw.writable)
        reply.raw.write(`data: ${JSON.stringify(api.toBody())}\n\n`);
    }
    reply.raw.end();
    return reply;
  } catch (err) {
    throw classify(err);
  } finally {
    clearTimeout(timer);
    reply.raw.off("close", onClose);
    deps.picker.release(baseUrl);
  }
}
