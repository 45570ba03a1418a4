import { z } from "zod";
import { ApiError } from "../../errors.js";
import { adminEntry } from "../../tenancy/admin-audit.js";
import { route, settled, type AnyRoute } from "./route.js";
import { tenantView } from "./schemas.js";
import { tenantJson } from "./views.js";

/** Suspension: a suspended tenant's keys answer 403 tenant_suspended on every replica within a second. */
export function tenantStateRoutes(): AnyRoute[] {
  return [
    ...(["suspend", "resume"] as const).map((verb) =>
      route({
        method: "POST",
        path: `/tenants/{tenant}/${verb}`,
        summary:
          verb === "suspend"
            ? "Suspend a tenant: its keys answer 403 tenant_suspended on every replica within a second"
            : "Resume a suspended tenant",
        tag: "tenants",
        permission: "tenants:update_commercial",
        response: tenantView,
        body: z.strictObject({ reason: z.string().max(500).optional() }).optional(),
        async handler(ctx) {
          const status = verb === "suspend" ? "suspended" : "active";
          const t = ctx.tenant;
          const updated =
            t.status === status ? t : await ctx.deps.store.tenants.update(t.id, { status }, ctx.now);
          if (updated === undefined) throw new ApiError("conflict", `Tenant '${t.id}' is gone.`);
          ctx.deps.audit.record(
            adminEntry(ctx.who, `tenant.${verb}`, {
              tenant: t.id,
              target: `tenant:${t.id}`,
              data: { before: { status: t.status }, after: { status }, reason: ctx.body?.reason ?? null },
            }),
          );
          await settled(ctx);
          return tenantJson(updated);
        },
      }),
    ),
  ];
}
