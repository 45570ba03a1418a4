import { z } from "zod";
import { tenantId } from "../../config/access-schema.js";
import { tenantSchema } from "../../config/schema.js";
import { checkOverrides, checkTenant } from "../../config/tenant-checks.js";
import { ApiError } from "../../errors.js";
import { tenantAudit } from "../../tenancy/admin-audit.js";
import { ApplyConflict, applyTenants, formatPlan } from "../../tenancy/apply-tenants.js";
import { route, type AnyRoute } from "./route.js";
import { invalid } from "./validate.js";

const applyBody = z.strictObject({
  /** The seed's ConfigMap shape: tenant id → tenant (with api_keys by sha256). */
  tenants: z.record(tenantId, tenantSchema),
  dry_run: z.boolean().default(false),
  /** Also delete tenants managed by config-as-code that the file no longer has. */
  prune: z.boolean().default(false),
});

const planView = z.strictObject({
  dry_run: z.boolean(),
  changes: z.number().int(),
  tenants: z.array(
    z.strictObject({
      id: z.string(),
      action: z.enum(["create", "update", "adopt", "unchanged", "delete", "orphan"]),
      diff: z.array(z.strictObject({ path: z.string(), before: z.unknown(), after: z.unknown() })),
      keys: z.array(z.strictObject({ action: z.string(), id: z.string() })),
      notes: z.array(z.string()),
    }),
  ),
  /** The plan as `tollgate apply` prints it. */
  text: z.array(z.string()),
});

/** `tollgate apply --url`: config-as-code synced into the store, with the diff. */
export function applyRoutes(): AnyRoute[] {
  return [
    route({
      method: "POST",
      path: "/apply",
      summary:
        "Apply config-as-code (tenants and their keys by hash) to the store; idempotent; dry_run shows the diff",
      tag: "tenants",
      permission: "tenants:create",
      body: applyBody,
      response: planView,
      async handler(ctx) {
        const problems: string[] = [];
        for (const [id, t] of Object.entries(ctx.body.tenants)) {
          const issue = (path: (string | number)[], message: string) =>
            problems.push(`tenants.${id}.${path.join(".")}: ${message}`);
          checkTenant(t, ctx.deps.models, issue);
          checkOverrides(t, issue);
        }
        if (problems.length > 0) throw invalid("tenants", problems);
        const { dry_run: dryRun, prune } = ctx.body;
        try {
          const plan = await applyTenants(ctx.deps.store, ctx.body.tenants, {
            dryRun,
            prune,
            at: ctx.now,
            onApplied: (p) => ctx.deps.audit.record(tenantAudit(ctx.who, "tenant.apply", p)),
          });
          if (!dryRun) await ctx.deps.directory.refresh().catch(() => undefined);
          return {
            dry_run: dryRun,
            changes: plan.changes,
            tenants: plan.tenants.map((p) => ({
              id: p.id,
              action: p.action,
              diff: [...p.diff],
              keys: p.keys.map((k) => ({ action: k.action, id: k.action === "create" ? k.record.id : k.id })),
              notes: [...p.notes],
            })),
            text: formatPlan(plan, dryRun),
          };
        } catch (err) {
          if (err instanceof ApplyConflict) throw new ApiError("conflict", err.message);
          throw err;
        }
      },
    }),
  ];
}
