import type { AuditEntry } from "../audit/chain.js";
import type { TenantPlan } from "./apply-plan.js";

/** Who did an admin action, from where ("config" for config-as-code applied at start). */
export interface AuditActor {
  readonly id: string;
  readonly sourceIp: string | null;
}

/** An audit entry for an admin action: `data` carries before/after (never a secret). */
export function adminEntry(
  actor: AuditActor,
  action: string,
  o: { tenant: string | null; target: string | null; data?: Record<string, unknown>; at?: Date },
): AuditEntry {
  return {
    time: (o.at ?? new Date()).toISOString(),
    actor: actor.id,
    action,
    tenant: o.tenant,
    target: o.target,
    sourceIp: actor.sourceIp,
    data: o.data ?? {},
  };
}

/** The audit entry of a change to an API key (`key.create`, `key.rotate`, …), whoever made it. */
export function keyEntry(
  actor: AuditActor,
  action: string,
  key: { readonly id: string; readonly tenantId: string },
  data: Record<string, unknown>,
  at?: Date,
): AuditEntry {
  return adminEntry(actor, action, { tenant: key.tenantId, target: `key:${key.id}`, data, at });
}

/** The audit entry of one tenant's part of an apply. */
export function tenantAudit(actor: AuditActor, action: string, p: TenantPlan): AuditEntry {
  return adminEntry(actor, action, {
    tenant: p.id,
    target: `tenant:${p.id}`,
    data: {
      change: p.action,
      fields: p.diff.map((d) => ({ path: d.path, before: d.before, after: d.after })),
      keys: p.keys.map((k) =>
        k.action === "create"
          ? { action: "create", id: k.record.id }
          : k.action === "update"
            ? { action: "update", id: k.id, fields: k.fields }
            : { action: "revoke", id: k.id },
      ),
    },
  });
}
