import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../../errors.js";
import type { TenantPolicy } from "../../tenancy/policy.js";
import type { GatewayDeps } from "../deps.js";

const CREATED = Math.floor(Date.now() / 1000);

const toModelObject = (id: string) => ({ id, object: "model", created: CREATED, owned_by: "tollgate" });

/** GET /v1/models and /v1/models/{id}: only the caller's models (and its adapters and aliases). */
export function modelRoutes(deps: GatewayDeps) {
  const tenantOf = (request: FastifyRequest): TenantPolicy => {
    const tenant = deps.catalog.tenant(request.principal!.tenantId);
    if (tenant === undefined) throw new ApiError("invalid_api_key"); // deleted since authentication
    return tenant;
  };

  return async (app: FastifyInstance): Promise<void> => {
    app.get("/models", async (request) => {
      const tenant = tenantOf(request);
      const keyModels = request.principal!.keyModels;
      const ids = deps.catalog
        .modelsFor(tenant)
        .filter((id) => keyModels === null || deps.catalog.resolveModel(tenant, id, keyModels).ok);
      return { object: "list", data: ids.map(toModelObject) };
    });

    // Wildcard: public model names may contain "/" (e.g. "meta-llama/Llama-3.1-8B-Instruct").
    app.get<{ Params: { "*": string } }>("/models/*", async (request) => {
      const id = decodeURIComponent(request.params["*"]);
      const found = deps.catalog.resolveModel(tenantOf(request), id, request.principal!.keyModels);
      if (found.ok) return toModelObject(id);
      if (found.reason === "not_allowed") {
        throw new ApiError(
          "model_not_allowed",
          `The model '${id}' is not available to your tenant.`,
          "model",
        );
      }
      throw new ApiError("model_not_found", `The model '${id}' does not exist.`, "model");
    });
  };
}
