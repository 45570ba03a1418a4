import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../../errors.js";
import { isAbort, toEngineError } from "../../upstream/engine-client.js";
import type { TokenUsage } from "../../usage/pricing.js";
import type { GatewayDeps } from "../deps.js";
import { readJsonResponse, relayStream, StreamTransformer, type StreamOutcome } from "../relay.js";
import { settle } from "../settle.js";
import { connect, isRetriable, type Connection } from "./connect.js";
import type { Plan } from "./plan.js";

/**
 * route + dispatch + settle: opens the engine response (with retries, then the tenant's fallback
 * models), relays it (streamed chunk by chunk, or whole), and settles the request on every path.
 * Returns the JSON of a non-streamed answer (for the response cache), or null.
 */
export async function dispatch(
  deps: GatewayDeps,
  plan: Plan,
  request: FastifyRequest,
  reply: FastifyReply,
  signal: AbortSignal,
): Promise<Record<string, unknown> | null> {
  const meter = request.meter!;
  // A transport failure after an abort is reported as the abort's reason (client gone or time limit).
  const classify = (err: unknown): unknown =>
    signal.aborted && (isAbort(err) || !(err instanceof ApiError)) ? signal.reason : err;

  let conn: Connection | null = null;
  let model = plan.model;
  try {
    for (const [i, candidate] of [plan.model, ...plan.fallbacks].entries()) {
      try {
        conn = await connect(
          deps,
          plan,
          candidate,
          i === 0 ? plan.payload : plan.payloadFor(candidate),
          request,
          signal,
        );
        model = candidate;
        break;
      } catch (err) {
        if (i === plan.fallbacks.length || !isRetriable(classify(err))) throw err;
      }
    }
    if (model !== plan.model) {
      // Billed at the model that answered, and said so.
      meter.model = model.name;
      meter.servedModel = model.servedModel;
      meter.price = model.price;
      deps.metrics.fallbacks.inc({ tenant: plan.tenant.id, from: plan.model.name, to: model.name });
      void reply.header("x-tollgate-fallback-from", plan.model.name).header("x-tollgate-model", model.name);
    }
    const { res } = conn!;
    const estimate = (output = 0): TokenUsage => ({ input: plan.promptTokens, output, cached: 0 });

    if (!plan.stream) {
      const json = await readJsonResponse(res, model.name, meter, estimate, plan.newOutputGuard());
      settle(deps.sinks, meter, 200, null);
      await reply.send(json);
      return json;
    }

    const t = new StreamTransformer(model.name, plan.wantsUsage, plan.newOutputGuard());
    reply.hijack();
    reply.raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    const finish = (o: StreamOutcome): void => {
      meter.usage = t.usage ?? estimate(t.contentChunks);
      meter.finishReason = t.finishReason;
      settle(deps.sinks, meter, o.status, o.errorCode);
    };
    try {
      await relayStream(res, reply.raw, t, meter, signal, finish);
      if (t.blocked !== null) res.body.destroy();
    } catch (err) {
      const failure = classify(toEngineError(err, conn!.endpoint));
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
    return null;
  } catch (err) {
    throw classify(err);
  } finally {
    conn?.release();
  }
}
