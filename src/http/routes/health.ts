import type { FastifyInstance } from "fastify";
import type { GatewayDeps } from "../deps.js";

/** Liveness, readiness and Prometheus metrics. */
export function healthRoutes(deps: GatewayDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/healthz", async () => ({ status: "ok" }));
    app.get("/readyz", async (_request, reply) => {
      const problems = await deps.readiness();
      return reply.code(problems.length === 0 ? 200 : 503).send({ ready: problems.length === 0, problems });
    });
    app.get("/metrics", async (_request, reply) => {
      const text = await deps.metrics.exposition();
      return reply.header("content-type", deps.metrics.registry.contentType).send(text);
    });
  };
}
