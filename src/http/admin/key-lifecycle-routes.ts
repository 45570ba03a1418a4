import { z } from "zod";
import { createApiKey } from "../../auth/key-service.js";
import { ApiError } from "../../errors.js";
import { findKey, keyAudit } from "./keys-routes.js";
import { route, settled, type AnyRoute } from "./route.js";
import { keyView, rotateBody, rotatedKey } from "./schemas.js";
import { notFound } from "./validate.js";
import { keyJson } from "./views.js";

/**
 * Rotation and revocation. A revocation (and the end of a rotation's grace period) is refused on
 * every replica within a second: each write bumps the store's control revision, and every replica
 * drops its cached key lookups when it sees the revision move.
 */
export function keyLifecycleRoutes(): AnyRoute[] {
  return [
    route({
      method: "POST",
      path: "/tenants/{tenant}/keys/{key}/rotate",
      summary:
        "Rotate a key: a new secret (shown once) with the same name, limits, models and scopes; the old one works until the grace period ends",
      tag: "keys",
      permission: "keys:write",
      body: rotateBody,
      response: rotatedKey,
      status: 201,
      async handler(ctx) {
        const old = await findKey(ctx);
        if (old.revokedAt !== null) {
          throw new ApiError("conflict", `Key '${old.id}' is already revoked or being rotated.`);
        }
        const { key, record } = await createApiKey(ctx.deps.store.keys, old.tenantId, {
          name: old.name,
          expiresAt: old.expiresAt,
          now: ctx.now,
          rateLimits: old.rateLimits ?? null,
          models: old.models ?? null,
          scopes: old.scopes ?? null,
        });
        const until = new Date(ctx.now.getTime() + ctx.body.grace_seconds * 1000);
        const previous = await ctx.deps.store.keys.update(old.tenantId, old.id, { revokedAt: until });
        if (previous === undefined) throw notFound("key", old.id);
        keyAudit(ctx, "key.rotate", old, { replaced_by: record.id, grace_until: until.toISOString() });
        await settled(ctx);
        return { ...keyJson(record, ctx.now), key, previous: keyJson(previous, ctx.now) };
      },
    }),
    route({
      method: "POST",
      path: "/tenants/{tenant}/keys/{key}/revoke",
      summary: "Revoke a key now (also ends a rotation's grace period); refused everywhere within a second",
      tag: "keys",
      permission: "keys:write",
      body: z.strictObject({ reason: z.string().max(500).optional() }).optional(),
      response: keyView,
      async handler(ctx) {
        const key = await findKey(ctx);
        if (key.revokedAt !== null && key.revokedAt <= ctx.now) return keyJson(key, ctx.now);
        const revoked = await ctx.deps.store.keys.update(key.tenantId, key.id, { revokedAt: ctx.now });
        if (revoked === undefined) throw notFound("key", key.id);
        keyAudit(ctx, "key.revoke", key, {
          before: { revoked_at: key.revokedAt?.toISOString() ?? null },
          after: { revoked_at: ctx.now.toISOString() },
          reason: ctx.body?.reason ?? null,
        });
        await settled(ctx);
        return keyJson(revoked, ctx.now);
      },
    }),
  ];
}
