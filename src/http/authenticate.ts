import type { FastifyRequest } from "fastify";
import { looksLikeJwt } from "../auth/jwt-verifier.js";
import { ApiError } from "../errors.js";
import { RequestMeter } from "../usage/request-meter.js";
import type { GatewayDeps } from "./deps.js";

const MESSAGES = {
  missing: "Missing API key. Send it as `Authorization: Bearer <key>` or `x-api-key: <key>`.",
  malformed: "Malformed API key (bad checksum): check for a typo.",
  unknown: "Incorrect API key provided.",
  expired: "This API key has expired.",
  revoked: "This API key has been revoked.",
  tenant_mismatch: "The x-tenant-id header does not match the API key's tenant.",
  tenant_suspended: "Your tenant is suspended; contact the platform's administrators.",
} as const;

/** The scope a /v1 route needs: reading usage, or everything else (models and inference). */
const scopeOf = (request: FastifyRequest): string =>
  request.url.startsWith("/v1/usage") ? "usage" : "inference";

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The presented key: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const auth = header(request, "authorization");
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m?.[1] ?? "";
  }
  return header(request, "x-api-key");
}

/**
 * onRequest hook for /v1: runs before the body is read, so nothing about the request's intent is
 * parsed for an unauthenticated caller. Sets `request.principal` and the request's meter.
 */
export function authenticateRequest(deps: GatewayDeps) {
  return async (request: FastifyRequest): Promise<void> => {
    const presented = presentedKey(request);
    const claimed = header(request, "x-tenant-id");
    const jwt = deps.inferenceJwt;
    const result =
      jwt != null && presented !== undefined && looksLikeJwt(presented)
        ? await jwt.authenticate(presented, claimed)
        : await deps.authenticator.authenticate(presented, claimed);
    if (!result.ok) {
      deps.metrics.authFailures.inc({ reason: result.reason });
      const code = result.reason === "tenant_suspended" ? "tenant_suspended" : "invalid_api_key";
      throw new ApiError(code, MESSAGES[result.reason]);
    }
    const scopes = result.principal.scopes;
    if (scopes != null && !scopes.has(scopeOf(request))) {
      throw new ApiError("permission_denied", `This API key does not have the '${scopeOf(request)}' scope.`);
    }
    request.principal = result.principal;
    const endpoint = request.routeOptions.config.endpoint;
    if (endpoint !== undefined) {
      const meter = new RequestMeter(request.id, endpoint, undefined, {
        now: deps.clock(),
        prices: deps.prices,
      });
      meter.tenantId = result.principal.tenantId;
      meter.keyId = result.principal.keyId;
      meter.user = header(request, "x-tollgate-user") ?? result.principal.user ?? null;
      meter.feature = header(request, "x-tollgate-feature") ?? null;
      request.meter = meter;
    }
  };
}
