import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { can, canSeeTenant } from "../../auth/rbac.js";
import { ApiError } from "../../errors.js";
import type { StoredTenant } from "../../store/tenant-port.js";
import type { AdminDeps } from "./admin-deps.js";
import { openApiDocument } from "./openapi.js";
import type { AnyRoute, RouteContext } from "./route.js";
import { notFound, parseInput } from "./validate.js";

function credential(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth !== undefined) return /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] ?? "";
  const key = request.headers["x-api-key"];
  return Array.isArray(key) ? key[0] : key;
}

/** `/tenants/{tenant}/keys/{key}` → `/tenants/:tenant/keys/:key`. */
const fastifyPath = (path: string): string => path.replace(/\{(\w+)\}/g, ":$1");

/**
 * Authenticates the caller, then — in this order, so that nothing leaks — answers 404 for a tenant
 * it may not see exactly as for a missing one, 403 for what its role may not do, 400 for bad input.
 */
async function prepare(
  deps: AdminDeps,
  r: AnyRoute,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<RouteContext> {
  const auth = await deps.auth.authenticate(credential(request));
  if (!auth.ok) throw new ApiError("invalid_api_key", auth.message);
  const actor = auth.actor;
  const params = request.params as Record<string, string>;
  let tenant: StoredTenant | undefined;
  if (params.tenant !== undefined) {
    const id = params.tenant;
    tenant = canSeeTenant(actor, id) ? await deps.store.tenants.get(id) : undefined;
    if (tenant === undefined) throw notFound("tenant", id);
  }
  if (r.permission !== null && !can(actor, r.permission)) {
    throw new ApiError("permission_denied", `The ${actor.role} role may not do this (${r.permission}).`);
  }
  return {
    deps,
    actor,
    who: { id: actor.id, sourceIp: request.ip },
    params,
    tenant: tenant as StoredTenant,
    query: r.query === undefined ? {} : parseInput(r.query, request.query, "query"),
    body: r.body === undefined ? undefined : parseInput(r.body, request.body ?? {}, "body"),
    now: new Date(deps.clock()),
    request,
    reply,
  };
}

/** The admin API plugin (mounted at /admin/v1): the routes of the table, and their OpenAPI document. */
export function adminApi(deps: AdminDeps, routes: readonly AnyRoute[]) {
  return async (app: FastifyInstance): Promise<void> => {
    const doc = openApiDocument(routes);
    app.get("/openapi.json", async () => doc);
    for (const r of routes) {
      app.route({
        method: r.method,
        url: fastifyPath(r.path),
        handler: async (request, reply) => {
          const result = await r.handler(await prepare(deps, r, request, reply));
          // A change is reported done only once its audit record is in the local journal.
          if (r.method !== "GET") await deps.audit.durable?.();
          void reply.code(r.status ?? 200);
          return result;
        },
      });
    }
  };
}
