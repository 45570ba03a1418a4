import type { TenantConfig } from "../config/schema.js";
import {
  planApply,
  type ApplyPlan,
  type ControlStore,
  type KeyAction,
  type TenantPlan,
} from "./apply-plan.js";

export { ApplyConflict, planApply, type ApplyPlan, type TenantPlan } from "./apply-plan.js";

async function applyKey(store: ControlStore, tenantId: string, k: KeyAction, at: Date): Promise<void> {
  if (k.action === "create") {
    // A concurrent apply (another replica starting) may have stored it first: that is the same key.
    if ((await store.keys.findByHash(k.record.hash)) === undefined) await store.keys.insert(k.record);
  } else if (k.action === "update") await store.keys.update(tenantId, k.id, k.change);
  else await store.keys.update(tenantId, k.id, { revokedAt: at });
}

async function applyTenant(store: ControlStore, p: TenantPlan, at: Date): Promise<void> {
  if (p.action === "delete") {
    await store.tenants.delete(p.id, at);
    return;
  }
  if (p.spec !== undefined && p.action !== "unchanged") {
    const created =
      p.action === "create" &&
      (await store.tenants.create(p.id, { spec: p.spec, managedBy: "config" }, at)) !== undefined;
    if (!created) await store.tenants.update(p.id, { spec: p.spec, managedBy: "config" }, at);
  }
  for (const k of p.keys) await applyKey(store, p.id, k, at);
}

/**
 * Makes the store match config-as-code (see apply-plan.ts) and returns what it did. Idempotent:
 * applying the same tenants again plans no change. `onApplied` sees each tenant's applied plan
 * (the admin API records them in the audit trail).
 */
export async function applyTenants(
  store: ControlStore,
  tenants: Readonly<Record<string, TenantConfig>>,
  options: { prune?: boolean; dryRun?: boolean; at?: Date; onApplied?: (p: TenantPlan) => void } = {},
): Promise<ApplyPlan> {
  const at = options.at ?? new Date();
  const plan = await planApply(store, tenants, { prune: options.prune, at });
  if (options.dryRun) return plan;
  for (const p of plan.tenants) {
    if (p.action === "orphan" || (p.action === "unchanged" && p.keys.length === 0)) continue;
    await applyTenant(store, p, at);
    options.onApplied?.(p);
  }
  return plan;
}

const show = (v: unknown): string => (v === undefined ? "(unset)" : JSON.stringify(v));

/** The plan as the CLI prints it: one line per tenant, indented field and key changes. */
export function formatPlan(plan: ApplyPlan, dryRun = false): string[] {
  const sign = { create: "+", update: "~", adopt: "~", unchanged: "=", delete: "-", orphan: "!" } as const;
  const lines: string[] = [];
  for (const p of plan.tenants) {
    const label = p.action === "adopt" ? "update (now managed by config-as-code)" : p.action;
    lines.push(`${sign[p.action]} tenant ${p.id}: ${label}`);
    if (p.action !== "create") {
      for (const d of p.diff) lines.push(`    ${d.path}: ${show(d.before)} → ${show(d.after)}`);
    }
    for (const k of p.keys) {
      if (k.action === "create") lines.push(`    + key ${k.record.id} (${k.record.displayPrefix})`);
      else if (k.action === "update") lines.push(`    ~ key ${k.id}: ${k.fields.join(", ")}`);
      else lines.push(`    - key ${k.id}: revoke (no longer declared)`);
    }
    for (const n of p.notes) lines.push(`    note: ${n}`);
  }
  const what = plan.changes === 0 ? "no changes" : `${plan.changes} change(s)`;
  lines.push(dryRun ? `dry run: ${what} would be applied` : `${what} applied`);
  return lines;
}
