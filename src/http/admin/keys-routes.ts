import type { z } from "zod";
import type { KeyRateLimits } from "../../auth/principal.js";
import { createApiKey } from "../../auth/key-service.js";
import { ApiError } from "../../errors.js";
import type { ApiKeyRecord } from "../../store/port.js";
import type { KeyChange } from "../../store/tenant-port.js";
import { keyEntry } from "../../tenancy/admin-audit.js";
import { route, settled, type AnyRoute, type RouteContext } from "./route.js";
import { createdKey, keyCreateBody, keyPatchBody, keyView, list } from "./schemas.js";
import { notFound } from "./validate.js";
import { keyJson } from "./views.js";

type Limits = z.output<typeof keyCreateBody>["rate_limits"];

export const limitsOf = (l: Limits): KeyRateLimits | null =>
  l === undefined
    ? null
    : {
        requestsPerMinute: l.requests_per_minute,
        tokensPerMinute: l.tokens_per_minute,
        concurrentRequests: l.concurrent_requests,
      };

/** A key's models must be some of its tenant's. */
function modelsOf(
  ctx: RouteContext,
  models: readonly string[] | null | undefined,
): ReadonlySet<string> | null {
  if (models == null) return null;
  const allowed = (ctx.tenant.spec.models_allowed ?? []) as readonly string[];
  const stray = models.find((m) => !allowed.includes(m));
  if (stray !== undefined) {
    throw new ApiError("invalid_request", `'${stray}' is not one of the tenant's models.`, "models_allowed");
  }
  return new Set(models);
}

export async function findKey(ctx: RouteContext): Promise<ApiKeyRecord> {
  const key = await ctx.deps.store.keys.get(ctx.tenant.id, ctx.params.key!);
  if (key === undefined) throw notFound("key", ctx.params.key!);
  return key;
}

export const keyAudit = (
  ctx: RouteContext,
  action: string,
  key: ApiKeyRecord,
  data: Record<string, unknown>,
) => ctx.deps.audit.record(keyEntry(ctx.who, action, key, data, ctx.now));

/** A tenant's API keys: list, create (the secret is shown once), read, change. */
export function keyRoutes(): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/tenants/{tenant}/keys",
      summary: "List a tenant's API keys (prefix, name, created, last used, expiry, state, scopes, limits)",
      tag: "keys",
      permission: "keys:read",
      response: list(keyView),
      async handler(ctx) {
        const keys = await ctx.deps.store.keys.listByTenant(ctx.tenant.id);
        return { object: "list", data: keys.map((k) => keyJson(k, ctx.now)) };
      },
    }),
    route({
      method: "POST",
      path: "/tenants/{tenant}/keys",
      summary: "Create an API key; the response carries the secret, shown this once",
      tag: "keys",
      permission: "keys:write",
      body: keyCreateBody,
      response: createdKey,
      status: 201,
      async handler(ctx) {
        const b = ctx.body;
        if (b.expires_at !== undefined && b.expires_in_seconds !== undefined) {
          throw new ApiError(
            "invalid_request",
            "Give expires_at or expires_in_seconds, not both.",
            "expires_at",
          );
        }
        const expiresAt =
          b.expires_in_seconds !== undefined
            ? new Date(ctx.now.getTime() + b.expires_in_seconds * 1000)
            : b.expires_at === undefined
              ? null
              : new Date(b.expires_at);
        const { key, record } = await createApiKey(ctx.deps.store.keys, ctx.tenant.id, {
          name: b.name ?? null,
          expiresAt,
          now: ctx.now,
          rateLimits: limitsOf(b.rate_limits),
          models: modelsOf(ctx, b.models_allowed),
          scopes: b.scopes === undefined ? null : new Set(b.scopes),
        });
        const view = keyJson(record, ctx.now);
        keyAudit(ctx, "key.create", record, { after: view });
        return { ...view, key };
      },
    }),
    route({
      method: "GET",
      path: "/tenants/{tenant}/keys/{key}",
      summary: "Read an API key",
      tag: "keys",
      permission: "keys:read",
      response: keyView,
      handler: async (ctx) => keyJson(await findKey(ctx), ctx.now),
    }),
    route({
      method: "PATCH",
      path: "/tenants/{tenant}/keys/{key}",
      summary: "Change a key's name, expiry, limits, models or scopes (null removes one)",
      tag: "keys",
      permission: "keys:write",
      body: keyPatchBody,
      response: keyView,
      async handler(ctx) {
        const before = await findKey(ctx);
        const b = ctx.body;
        const change: KeyChange = {
          ...(b.name === undefined ? {} : { name: b.name }),
          ...(b.expires_at === undefined
            ? {}
            : { expiresAt: b.expires_at === null ? null : new Date(b.expires_at) }),
          ...(b.rate_limits === undefined
            ? {}
            : { rateLimits: b.rate_limits === null ? null : limitsOf(b.rate_limits) }),
          ...(b.models_allowed === undefined ? {} : { models: modelsOf(ctx, b.models_allowed) }),
          ...(b.scopes === undefined ? {} : { scopes: b.scopes === null ? null : new Set(b.scopes) }),
        };
        const after = await ctx.deps.store.keys.update(before.tenantId, before.id, change);
        if (after === undefined) throw notFound("key", before.id);
        keyAudit(ctx, "key.update", after, {
          before: keyJson(before, ctx.now),
          after: keyJson(after, ctx.now),
        });
        await settled(ctx);
        return keyJson(after, ctx.now);
      },
    }),
  ];
}
