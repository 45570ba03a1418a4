import { randomBytes } from "node:crypto";
import type { Gateway } from "../../../src/app.js";
import { createApiKey } from "../../../src/auth/key-service.js";
import type { Role } from "../../../src/auth/rbac.js";

/**
 * What each admin route allows, for the RBAC matrix test: the roles that may call it on their own
 * tenant (or at all, for routes without a tenant), a valid body, the other path parameters it needs
 * and how to undo a destructive call. Every route the gateway serves must have an entry here.
 */

export const ALL: readonly Role[] = ["platform_admin", "tenant_admin", "tenant_viewer", "billing"];
const ADMINS: readonly Role[] = ["platform_admin", "tenant_admin"];
const READERS: readonly Role[] = ["platform_admin", "tenant_admin", "tenant_viewer"];
const PLATFORM: readonly Role[] = ["platform_admin"];

/** A tenant-scoped route's target; "child" routes also get objects of another tenant (or none) under one's own. */
export type Target = "own" | "other" | "missing" | "foreign_child" | "missing_child" | "none";

export interface Fixture {
  readonly gateway: Gateway;
  /** Calls the admin API as the platform admin. */
  readonly platform: (method: string, path: string, body?: unknown) => Promise<{ status: number }>;
}

export interface Expectation {
  readonly allowed: readonly Role[];
  readonly body?: (tenant: string) => unknown;
  /** Path parameters besides {tenant}: made for the tenant that owns them (null: a missing object). */
  readonly params?: (f: Fixture, owner: string | null) => Promise<Record<string, string>>;
  /** `params` makes objects of a tenant: also try another tenant's (and a missing one) under one's own. */
  readonly child?: boolean;
  /** Undoes a successful call (delete, suspend). */
  readonly restore?: (f: Fixture, tenant: string) => Promise<void>;
}

const missingId = () => `missing_${randomBytes(4).toString("hex")}`;

const key = async (f: Fixture, owner: string | null) => ({
  key: owner === null ? missingId() : (await createApiKey(f.gateway.store.keys, owner)).record.id,
});

const adminKey = async (f: Fixture, owner: string | null) => {
  if (owner === null) return { id: missingId() };
  const id = `adm_${randomBytes(6).toString("hex")}`;
  await f.gateway.store.adminKeys.insert({
    id,
    name: null,
    hash: randomBytes(32).toString("hex"),
    displayPrefix: "tga_x",
    role: "tenant_viewer",
    tenantId: owner,
    createdAt: new Date(),
    createdBy: "test",
    expiresAt: null,
    revokedAt: null,
  });
  return { id };
};

const secret = async (f: Fixture, owner: string | null) => {
  const name = `s${randomBytes(4).toString("hex")}`;
  if (owner !== null) await f.platform("PUT", `/tenants/${owner}/secrets/${name}`, { value: "sk-fixture" });
  return { name };
};

export const EXPECT: Readonly<Record<string, Expectation>> = {
  "GET /me": { allowed: ALL },
  "GET /tenants": { allowed: ALL },
  "POST /tenants": {
    allowed: PLATFORM,
    body: () => ({
      id: `t-${randomBytes(4).toString("hex")}`,
      tier: "free",
      models_allowed: ["llama-3.1-8b"],
    }),
  },
  "GET /tenants/{tenant}": { allowed: ALL },
  "PATCH /tenants/{tenant}": { allowed: ADMINS, body: () => ({ prompt_variables: { team: "ops" } }) },
  "DELETE /tenants/{tenant}": {
    allowed: PLATFORM,
    restore: async (f, tenant) => {
      await f.gateway.store.tenants.create(
        tenant,
        { spec: { tier: "x", models_allowed: ["llama-3.1-8b"] }, managedBy: "api" },
        new Date(),
      );
    },
  },
  "POST /tenants/{tenant}/suspend": {
    allowed: PLATFORM,
    restore: async (f, tenant) =>
      void (await f.gateway.store.tenants.update(tenant, { status: "active" }, new Date())),
  },
  "POST /tenants/{tenant}/resume": { allowed: PLATFORM },
  "GET /tenants/{tenant}/keys": { allowed: READERS },
  "POST /tenants/{tenant}/keys": { allowed: ADMINS, body: () => ({ name: "matrix" }) },
  "GET /tenants/{tenant}/keys/{key}": { allowed: READERS, params: key, child: true },
  "PATCH /tenants/{tenant}/keys/{key}": {
    allowed: ADMINS,
    params: key,
    child: true,
    body: () => ({ name: "renamed" }),
  },
  "POST /tenants/{tenant}/keys/{key}/rotate": {
    allowed: ADMINS,
    params: key,
    child: true,
    body: () => ({ grace_seconds: 0 }),
  },
  "POST /tenants/{tenant}/keys/{key}/revoke": { allowed: ADMINS, params: key, child: true },
  "GET /tenants/{tenant}/usage": { allowed: ALL },
  "GET /tenants/{tenant}/invoices/{month}": {
    allowed: ["platform_admin", "tenant_admin", "billing"],
    params: async () => ({ month: "2026-11" }),
  },
  "GET /models": { allowed: ALL },
  "GET /admin-keys": { allowed: ADMINS },
  "POST /admin-keys": { allowed: ADMINS, body: (tenant) => ({ role: "tenant_viewer", tenant }) },
  "POST /admin-keys/{id}/revoke": { allowed: ADMINS, params: adminKey },
  "POST /apply": { allowed: PLATFORM, body: () => ({ tenants: {}, dry_run: true }) },
  // The audit trail's and provider secrets' routes (added to the table by their parts).
  "GET /audit": { allowed: ["platform_admin", "tenant_admin"] },
  "GET /tenants/{tenant}/audit": { allowed: ["platform_admin", "tenant_admin"] },
  "GET /tenants/{tenant}/secrets": { allowed: ADMINS },
  "PUT /tenants/{tenant}/secrets/{name}": {
    allowed: ADMINS,
    params: async () => ({ name: "byok" }),
    body: () => ({ value: "sk-x" }),
  },
  "DELETE /tenants/{tenant}/secrets/{name}": { allowed: ADMINS, params: secret, child: true },
};
