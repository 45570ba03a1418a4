import { can, COMMERCIAL_FIELDS } from "../../auth/rbac.js";
import { ApiError } from "../../errors.js";
import { adminEntry } from "../../tenancy/admin-audit.js";
import { canonicalJson } from "../../canonical-json.js";
import { jsonDiff, parseSpec } from "../../tenancy/tenant-spec.js";
import type { AdminDeps } from "./admin-deps.js";
import { route, settled, type AnyRoute } from "./route.js";
import { deletedView, list, tenantCreateBody, tenantPatchBody, tenantView } from "./schemas.js";
import { invalid } from "./validate.js";
import { tenantJson } from "./views.js";

const validated = (deps: AdminDeps, raw: unknown) => {
  const parsed = parseSpec(raw, deps.models);
  if (!parsed.ok) throw invalid("tenant", parsed.problems);
  return parsed.spec;
};

/** Tenants: list, create, read, update (property-level: commercial fields need a platform admin), delete. */
export function tenantRoutes(): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/tenants",
      summary: "List the tenants the caller may see",
      tag: "tenants",
      permission: "tenants:read",
      response: list(tenantView),
      async handler({ deps, actor }) {
        const all = await deps.store.tenants.list();
        const data = all.filter((t) => actor.tenant === null || t.id === actor.tenant).map(tenantJson);
        return { object: "list", data };
      },
    }),
    route({
      method: "POST",
      path: "/tenants",
      summary: "Create a tenant",
      tag: "tenants",
      permission: "tenants:create",
      body: tenantCreateBody,
      response: tenantView,
      status: 201,
      async handler(ctx) {
        const { id, ...raw } = ctx.body;
        const spec = validated(ctx.deps, raw);
        const created = await ctx.deps.store.tenants.create(id, { spec, managedBy: "api" }, ctx.now);
        if (created === undefined) throw new ApiError("conflict", `A tenant '${id}' already exists.`, "id");
        ctx.deps.audit.record(
          adminEntry(ctx.who, "tenant.create", { tenant: id, target: `tenant:${id}`, data: { after: spec } }),
        );
        await settled(ctx);
        return tenantJson(created);
      },
    }),
    route({
      method: "GET",
      path: "/tenants/{tenant}",
      summary: "Read a tenant",
      tag: "tenants",
      permission: "tenants:read",
      response: tenantView,
      handler: async ({ tenant }) => tenantJson(tenant),
    }),
    route({
      method: "PATCH",
      path: "/tenants/{tenant}",
      summary: "Change a tenant's fields (tier, models, limits, budgets, priority, prompts, …)",
      tag: "tenants",
      permission: "tenants:update",
      body: tenantPatchBody,
      response: tenantView,
      async handler(ctx) {
        const { tenant, body, actor } = ctx;
        const merged: Record<string, unknown> = { ...tenant.spec };
        for (const [k, v] of Object.entries(body)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        const spec = validated(ctx.deps, merged);
        // Property-level authorization, on the normalized result: resending a field unchanged is harmless.
        const commercial = COMMERCIAL_FIELDS.find(
          (k) => canonicalJson(spec[k]) !== canonicalJson(tenant.spec[k]),
        );
        if (commercial !== undefined && !can(actor, "tenants:update_commercial")) {
          throw new ApiError(
            "permission_denied",
            `Only a platform admin may change '${commercial}'.`,
            commercial,
          );
        }
        const updated = await ctx.deps.store.tenants.update(tenant.id, { spec }, ctx.now, tenant.revision);
        if (updated === undefined) {
          throw new ApiError("conflict", `Tenant '${tenant.id}' changed meanwhile; read it again and retry.`);
        }
        const changes = jsonDiff(tenant.spec, spec);
        ctx.deps.audit.record(
          adminEntry(ctx.who, "tenant.update", {
            tenant: tenant.id,
            target: `tenant:${tenant.id}`,
            data: { before: tenant.spec, after: spec, changes },
          }),
        );
        await settled(ctx);
        return tenantJson(updated);
      },
    }),
    route({
      method: "DELETE",
      path: "/tenants/{tenant}",
      summary: "Delete a tenant (its keys stop working everywhere within a second; its usage is kept)",
      tag: "tenants",
      permission: "tenants:delete",
      response: deletedView,
      async handler(ctx) {
        const id = ctx.tenant.id;
        if (!(await ctx.deps.store.tenants.delete(id, ctx.now)))
          throw new ApiError("conflict", `Tenant '${id}' is gone.`);
        ctx.deps.audit.record(
          adminEntry(ctx.who, "tenant.delete", {
            tenant: id,
            target: `tenant:${id}`,
            data: { before: ctx.tenant.spec },
          }),
        );
        await settled(ctx);
        return { id, deleted: true as const };
      },
    }),
  ];
}
