import type { TenantConfig } from "../config/schema.js";
import type { StoredTenant } from "../store/tenant-port.js";
import { planKeys, type ControlStore, type KeyAction } from "./apply-keys.js";
import { jsonDiff, specFromConfig, type TenantSpec } from "./tenant-spec.js";

export { ApplyConflict, type ControlStore, type KeyAction } from "./apply-keys.js";

/**
 * `tollgate apply` (and every gateway start, for the config's own `tenants:`): the difference between
 * config-as-code and the store. Config-as-code wins for the tenants it defines — their spec is made
 * equal to the file's, and their keys declared by hash are created, updated or revoked to match —
 * while suspension, keys created through the API and tenants created through the API are left alone.
 */

export type TenantAction = "create" | "update" | "adopt" | "unchanged" | "delete" | "orphan";

export interface FieldDiff {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface TenantPlan {
  readonly id: string;
  readonly action: TenantAction;
  /** The file's spec (create, update, adopt). */
  readonly spec?: TenantSpec;
  readonly diff: readonly FieldDiff[];
  readonly keys: readonly KeyAction[];
  /** Things apply will not do, said out loud (e.g. a revoked key that the file still lists). */
  readonly notes: readonly string[];
}

export interface ApplyPlan {
  readonly tenants: readonly TenantPlan[];
  /** Writes the plan makes (0: applying changes nothing). */
  readonly changes: number;
}

function tenantAction(stored: StoredTenant | undefined, diff: readonly FieldDiff[]): TenantAction {
  if (stored === undefined) return "create";
  if (stored.managedBy !== "config") return "adopt";
  return diff.length > 0 ? "update" : "unchanged";
}

/** What applying `tenants` would change; reads only. */
export async function planApply(
  store: ControlStore,
  tenants: Readonly<Record<string, TenantConfig>>,
  options: { prune?: boolean; at?: Date } = {},
): Promise<ApplyPlan> {
  const at = options.at ?? new Date();
  const stored = new Map((await store.tenants.list()).map((t) => [t.id, t]));
  const plans: TenantPlan[] = [];
  for (const [id, t] of Object.entries(tenants)) {
    const spec = specFromConfig(t);
    const before = stored.get(id);
    const diff = jsonDiff(before?.spec ?? {}, spec);
    const notes: string[] = [];
    const keys = await planKeys(store, id, t, at, notes);
    plans.push({ id, action: tenantAction(before, diff), spec, diff, keys, notes });
  }
  for (const t of stored.values()) {
    if (t.managedBy !== "config" || t.id in tenants) continue;
    const notes = options.prune
      ? []
      : ["managed by config-as-code but not in the file: kept (--prune deletes it)"];
    plans.push({ id: t.id, action: options.prune ? "delete" : "orphan", diff: [], keys: [], notes });
  }
  const changes = plans.reduce(
    (n, p) => n + (p.action === "unchanged" || p.action === "orphan" ? 0 : 1) + p.keys.length,
    0,
  );
  return { tenants: plans, changes };
}
