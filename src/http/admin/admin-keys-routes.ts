import { randomUUID } from "node:crypto";
import { generateAdminKey } from "../../auth/admin-authenticator.js";
import { hashApiKey } from "../../auth/api-key-format.js";
import { canSeeTenant } from "../../auth/rbac.js";
import { ApiError } from "../../errors.js";
import { adminEntry } from "../../tenancy/admin-audit.js";
import { route, type AnyRoute } from "./route.js";
import { adminKeyCreateBody, adminKeyView, createdAdminKey, list } from "./schemas.js";
import { notFound } from "./validate.js";
import { adminKeyJson } from "./views.js";

/**
 * Admin API keys. A platform admin makes keys of any role; a tenant admin makes tenant-bound keys
 * (tenant_admin, tenant_viewer, billing) of its own tenant and sees and revokes only those.
 */
export function adminKeyRoutes(): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/admin-keys",
      summary: "List admin keys (a tenant admin: its tenant's)",
      tag: "admin-keys",
      permission: "admin_keys:read",
      response: list(adminKeyView),
      async handler({ deps, actor }) {
        const keys = await deps.store.adminKeys.list(actor.tenant ?? undefined);
        return { object: "list", data: keys.map(adminKeyJson) };
      },
    }),
    route({
      method: "POST",
      path: "/admin-keys",
      summary: "Create an admin key; the response carries the secret, shown this once",
      tag: "admin-keys",
      permission: "admin_keys:write",
      body: adminKeyCreateBody,
      response: createdAdminKey,
      status: 201,
      async handler(ctx) {
        const { role, name, expires_in_seconds: ttl } = ctx.body;
        const tenant = ctx.body.tenant ?? null;
        if ((role === "platform_admin") !== (tenant === null)) {
          throw new ApiError(
            "invalid_request",
            "platform_admin keys have no tenant; the other roles need one.",
            "tenant",
          );
        }
        if (
          tenant !== null &&
          (!canSeeTenant(ctx.actor, tenant) || !(await ctx.deps.store.tenants.get(tenant)))
        ) {
          throw notFound("tenant", tenant);
        }
        if (role === "platform_admin" && ctx.actor.role !== "platform_admin") {
          throw new ApiError(
            "permission_denied",
            "Only a platform admin may create platform_admin keys.",
            "role",
          );
        }
        const secret = generateAdminKey();
        const record = {
          id: `adm_${randomUUID().replaceAll("-", "").slice(0, 20)}`,
          name: name ?? null,
          hash: hashApiKey(secret),
          displayPrefix: secret.slice(0, 10),
          role,
          tenantId: tenant,
          createdAt: ctx.now,
          createdBy: ctx.actor.id,
          expiresAt: ttl === undefined ? null : new Date(ctx.now.getTime() + ttl * 1000),
          revokedAt: null,
        };
        await ctx.deps.store.adminKeys.insert(record);
        const view = adminKeyJson(record);
        ctx.deps.audit.record(
          adminEntry(ctx.who, "admin_key.create", {
            tenant,
            target: `admin_key:${record.id}`,
            data: { after: view },
          }),
        );
        return { ...view, key: secret };
      },
    }),
    route({
      method: "POST",
      path: "/admin-keys/{id}/revoke",
      summary: "Revoke an admin key (refused at once, on every replica)",
      tag: "admin-keys",
      permission: "admin_keys:write",
      response: adminKeyView,
      async handler(ctx) {
        const id = ctx.params.id!;
        const key = await ctx.deps.store.adminKeys.get(id);
        if (key === undefined || (ctx.actor.tenant !== null && key.tenantId !== ctx.actor.tenant)) {
          throw notFound("admin key", id);
        }
        if (key.revokedAt !== null && key.revokedAt <= ctx.now) return adminKeyJson(key);
        const revoked = (await ctx.deps.store.adminKeys.revoke(id, ctx.now)) ?? key;
        ctx.deps.audit.record(
          adminEntry(ctx.who, "admin_key.revoke", { tenant: key.tenantId, target: `admin_key:${id}` }),
        );
        return adminKeyJson(revoked);
      },
    }),
  ];
}
