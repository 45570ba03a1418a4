import { z } from "zod";
import { tenantId } from "../../config/access-schema.js";
import { ROLES } from "../../auth/rbac.js";
import { tenantSpecSchema } from "../../tenancy/tenant-spec.js";

/**
 * The admin API's bodies and responses as zod schemas: handlers validate with them and the OpenAPI
 * document (/admin/v1/openapi.json) is generated from them (z.toJSONSchema).
 */

const time = z.iso.datetime({ offset: true });
const positiveInt = z.number().int().positive();

export const KEY_SCOPES = ["inference", "usage"] as const;

export const tenantCreateBody = tenantSpecSchema.extend({ id: tenantId });

/** PATCH: the spec fields to replace (null resets a field to its default or removes it). */
export const tenantPatchBody = z
  .record(z.string(), z.unknown())
  .superRefine((body, ctx) => {
    for (const k of Object.keys(body)) {
      if (!(k in tenantSpecSchema.shape))
        ctx.addIssue({ code: "custom", path: [k], message: "not a tenant field" });
    }
  })
  .meta({
    description: "Tenant fields to replace (same shape as on create); null resets one to its default.",
  });

export const tenantView = z.strictObject({
  id: z.string(),
  status: z.enum(["active", "suspended"]),
  managed_by: z.enum(["config", "api"]),
  created_at: time,
  updated_at: time,
  revision: z.number().int(),
  spec: tenantSpecSchema,
});

const keyLimits = z.strictObject({
  requests_per_minute: positiveInt.optional(),
  tokens_per_minute: positiveInt.optional(),
  concurrent_requests: positiveInt.optional(),
});

export const keyCreateBody = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  expires_at: time.optional(),
  /** Alternative to expires_at: seconds from now. */
  expires_in_seconds: positiveInt.optional(),
  rate_limits: keyLimits.optional(),
  /** A subset of the tenant's models. */
  models_allowed: z.array(z.string().min(1)).min(1).optional(),
  scopes: z.array(z.enum(KEY_SCOPES)).min(1).optional(),
});

export const keyPatchBody = z.strictObject({
  name: z.string().min(1).max(200).nullable().optional(),
  expires_at: time.nullable().optional(),
  rate_limits: keyLimits.nullable().optional(),
  models_allowed: z.array(z.string().min(1)).min(1).nullable().optional(),
  scopes: z.array(z.enum(KEY_SCOPES)).min(1).nullable().optional(),
});

export const rotateBody = z.strictObject({
  /** How long the old key keeps working next to the new one (default 1 h, at most 30 days). */
  grace_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(3600),
});

export const keyView = z.strictObject({
  id: z.string(),
  tenant: z.string(),
  name: z.string().nullable(),
  prefix: z.string(),
  created_at: time,
  last_used_at: time.nullable(),
  expires_at: time.nullable(),
  revoked_at: time.nullable(),
  state: z.enum(["active", "rotating", "expired", "revoked"]),
  scopes: z.array(z.string()),
  rate_limits: keyLimits.nullable(),
  models_allowed: z.array(z.string()).nullable(),
  managed_by: z.enum(["config", "api"]),
});

/** A created key: the secret, shown this once. */
export const createdKey = keyView.extend({ key: z.string() });
export const rotatedKey = createdKey.extend({ previous: keyView });

export const adminKeyCreateBody = z.strictObject({
  role: z.enum(ROLES),
  tenant: tenantId.optional(),
  name: z.string().min(1).max(200).optional(),
  expires_in_seconds: positiveInt.optional(),
});

export const adminKeyView = z.strictObject({
  id: z.string(),
  name: z.string().nullable(),
  prefix: z.string(),
  role: z.enum(ROLES),
  tenant: z.string().nullable(),
  created_at: time,
  created_by: z.string().nullable(),
  expires_at: time.nullable(),
  revoked_at: time.nullable(),
});
export const createdAdminKey = adminKeyView.extend({ key: z.string() });

export const meView = z.strictObject({
  actor: z.string(),
  role: z.enum(ROLES),
  tenant: z.string().nullable(),
});
export const deletedView = z.strictObject({ id: z.string(), deleted: z.literal(true) });
export const list = <T extends z.ZodType>(item: T) =>
  z.strictObject({ object: z.literal("list"), data: z.array(item) });
