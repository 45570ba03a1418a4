import { z } from "zod";
import { ROLES } from "../auth/rbac.js";

/** Who may use the admin API (and, optionally, inference with a JWT): `admin:` and `auth:`. Spread into schema.ts. */

export const tenantId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, "tenant ids are letters, digits, . _ -");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/i, "expected 64 hex characters (the SHA-256 of the key)");

const adminKeyRef = z
  .strictObject({
    sha256,
    role: z.enum(ROLES),
    /** The tenant of a tenant-bound role (tenant_admin, tenant_viewer, billing). */
    tenant: tenantId.optional(),
    name: z.string().min(1).optional(),
  })
  .refine((k) => (k.role === "platform_admin") === (k.tenant === undefined), {
    message: "platform_admin keys have no tenant; the other roles need one",
    path: ["tenant"],
  });

export const adminSchema = z.strictObject({
  /** Bootstrap admin keys, by hash. More are created through the admin API (stored hashed). */
  api_keys: z.array(adminKeyRef).default([]),
});

const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

const oidcSchema = z.strictObject({
  issuer: z.string().min(1),
  audience: z.string().min(1),
  jwks_url: z.string().regex(/^https?:\/\/\S+$/, "expected an http(s):// URL"),
  /** Accepted signing algorithms; tokens signed otherwise (or unsigned) are refused. */
  algorithms: z.array(z.enum(ALGORITHMS)).min(1).default(["RS256"]),
  /** Claim names (dotted paths allowed, e.g. `realm_access.roles`). */
  claims: z
    .strictObject({
      tenant: z.string().min(1).default("tenant_id"),
      role: z.string().min(1).default("roles"),
      subject: z.string().min(1).default("sub"),
    })
    .default({ tenant: "tenant_id", role: "roles", subject: "sub" }),
  /** Claim values → Tollgate roles, e.g. {"tollgate-admins": platform_admin}. */
  role_map: z.record(z.string().min(1), z.enum(ROLES)).default({}),
  /** Also accept these JWTs on /v1 (inference): the tenant comes from the tenant claim. */
  inference: z.boolean().default(false),
  clock_tolerance_seconds: z.number().int().min(0).max(300).default(30),
});

export const authSchema = z.strictObject({
  /** OIDC/JWT for the admin API (and /v1 with `inference: true`). */
  oidc: oidcSchema.optional(),
});

export type AdminConfig = z.output<typeof adminSchema>;
export type OidcConfig = z.output<typeof oidcSchema>;
