import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Principal } from "../auth/principal.js";
import { ApiError } from "../errors.js";
import type { RequestMeter } from "../usage/request-meter.js";
import type { Endpoint } from "../usage/usage-event.js";
import { adminApi } from "./admin/admin-api.js";
import { adminRouteTable } from "./admin/admin-routes.js";
import { authenticateRequest } from "./authenticate.js";
import { awaitDurableUsage } from "./durable-usage.js";
import type { GatewayDeps } from "./deps.js";
import { errorBoundary } from "./error-boundary.js";
import { healthRoutes } from "./routes/health.js";
import { inferenceRoutes } from "./routes/inference.js";
import { modelRoutes } from "./routes/models.js";
import { usageRoutes } from "./routes/usage.js";
import { newRequestId } from "./request-id.js";
import { settle } from "./settle.js";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
    meter: RequestMeter | null;
  }
  interface FastifyContextConfig {
    endpoint?: Endpoint;
  }
}

export type { GatewayDeps };

/** Builds the HTTP server: OpenAI routes under /v1, health and metrics at the root. */
export function buildServer(
  deps: GatewayDeps,
  logger: FastifyServerOptions["logger"] = false,
): FastifyInstance {
  const app = Fastify({
    logger,
    bodyLimit: deps.limits.bodyLimit,
    trustProxy: deps.limits.trustProxy,
    genReqId: () => newRequestId(),
    // Each request is accounted for by its usage event; Fastify's per-request lines would double the work.
    logController: new LogController({ requestIdLogLabel: "request_id", disableRequestLogging: true }),
    return503OnClosing: false,
    forceCloseConnections: true,
  });

  app.decorateRequest("principal", null);
  app.decorateRequest("meter", null);

  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async (request, reply) => {
    void reply.header("x-request-id", request.id);
    // While shutting down, in-flight requests finish; new ones are told to go elsewhere.
    if (closing)
      throw new ApiError("not_ready", "The gateway is shutting down.", null, { connection: "close" });
  });

  // A request that ends in an error is settled here (a no-op if its handler already settled it).
  app.setErrorHandler(
    errorBoundary((request, status, code) => settle(deps.sinks, request.meter, status, code)),
  );
  app.setNotFoundHandler((request, reply) => {
    const err = new ApiError("not_found", `Unknown route: ${request.method} ${request.url.split("?")[0]}`);
    void reply.code(err.status).send(err.toBody());
  });

  app.register(healthRoutes(deps));
  app.register(
    async (v1) => {
      v1.addHook("onRequest", authenticateRequest(deps));
      v1.addHook("onSend", awaitDurableUsage);
      v1.register(modelRoutes(deps));
      v1.register(usageRoutes(deps));
      v1.register(inferenceRoutes(deps));
    },
    { prefix: "/v1" },
  );
  if (deps.admin != null) {
    app.register(adminApi(deps.admin, adminRouteTable(deps.admin.extraRoutes)), { prefix: "/admin/v1" });
  }
  return app;
}
