/**
 * Who may do what on the admin API. Roles are global (`platform_admin`) or bound to one tenant
 * (`tenant_admin`, `tenant_viewer`, `billing`). A tenant-bound actor sees only its own tenant;
 * anything else answers 404 exactly like a missing object (no existence oracle).
 */

export const ROLES = ["platform_admin", "tenant_admin", "tenant_viewer", "billing"] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | "tenants:create"
  | "tenants:delete"
  | "tenants:read"
  | "tenants:update"
  | "tenants:update_commercial"
  | "keys:read"
  | "keys:write"
  | "usage:read"
  | "invoices:read"
  | "audit:read"
  | "prompts:write"
  | "secrets:write"
  | "catalog:read"
  | "catalog:write"
  | "admin_keys:read"
  | "admin_keys:write";

const GRANTS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  platform_admin: new Set<Permission>([
    "tenants:create",
    "tenants:delete",
    "tenants:read",
    "tenants:update",
    "tenants:update_commercial",
    "keys:read",
    "keys:write",
    "usage:read",
    "invoices:read",
    "audit:read",
    "prompts:write",
    "secrets:write",
    "catalog:read",
    "catalog:write",
    "admin_keys:read",
    "admin_keys:write",
  ]),
  // Own tenant: keys, users, usage, prompts — but never its own tier, limits, budgets or prices.
  tenant_admin: new Set<Permission>([
    "tenants:read",
    "tenants:update",
    "keys:read",
    "keys:write",
    "usage:read",
    "invoices:read",
    "audit:read",
    "prompts:write",
    "secrets:write",
    "catalog:read",
    "admin_keys:read",
    "admin_keys:write",
  ]),
  tenant_viewer: new Set<Permission>(["tenants:read", "keys:read", "usage:read", "catalog:read"]),
  billing: new Set<Permission>(["tenants:read", "usage:read", "invoices:read", "catalog:read"]),
};

export interface Actor {
  /** "admin-key:<id>", "jwt:<sub>", … (recorded in the audit trail). */
  readonly id: string;
  readonly role: Role;
  /** The tenant a tenant-bound role is bound to; null for platform_admin. */
  readonly tenant: string | null;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(actor: Actor, permission: Permission): boolean {
  return GRANTS[actor.role].has(permission);
}

/** Whether `actor` may see objects of `tenant` at all (else: 404). */
export function canSeeTenant(actor: Actor, tenant: string): boolean {
  return actor.role === "platform_admin" || actor.tenant === tenant;
}

/** Tenant fields that only a platform admin may change (property-level authorization). */
export const COMMERCIAL_FIELDS = [
  "tier",
  "models_allowed",
  "rate_limits",
  "budget",
  "priority",
  "daily_token_limit",
  "monthly_token_limit",
  "weight",
  "pricing_overrides",
  "fallbacks",
  "lora_adapters",
] as const;
