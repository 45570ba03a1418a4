import { z } from "zod";

/**
 * The audit trail's and provider secrets' part of the configuration. Spread into schema.ts. The
 * key-encryption key itself is never in the config: it comes from `TOLLGATE_KEK` or `secrets.kek_file`
 * (see kek.ts), so it never appears in a parsed config object, a `check` output or a log.
 */

const positiveInt = z.number().int().positive();

/** A chain (replica) id: also part of every record's hash, so kept short and plain. */
export const chainId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, . _ - (at most 64)");

export const auditSchema = z.strictObject({
  /**
   * This replica's chain. Default: generated at each start (`<host>-<random>`), so replicas never
   * share one. A configured id (e.g. the pod name of a StatefulSet) continues its chain across restarts.
   */
  chain_id: chainId.optional(),
  /** The local journal of records not yet in the store. Default: `audit/` in the usage journal's directory. */
  journal_dir: z.string().min(1).optional(),
  /** Records per store transaction. */
  batch_size: positiveInt.max(5000).default(500),
  /** Longest a record waits for a fuller batch (group commit) before it is written. */
  batch_interval_ms: z.number().int().min(0).max(60_000).default(100),
  /** On close, how long to keep writing the journal into the store. */
  drain_timeout_ms: z.number().int().min(0).default(5000),
});

export const secretsSchema = z.strictObject({
  /** A file holding the key-encryption keys (`kid:base64,…`, first = current); else env TOLLGATE_KEK. */
  kek_file: z.string().min(1).optional(),
  /** How long a replica reuses a tenant's decrypted secret (or its absence) before reading the store again. */
  cache_ttl_ms: z.number().int().min(0).max(3_600_000).default(5000),
});

/** Headers the gateway sets itself: an upstream credential may not replace them. */
const RESERVED = new Set([
  "host",
  "content-type",
  "content-length",
  "transfer-encoding",
  "connection",
  "x-request-id",
]);

export const secretName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, . _ - (at most 64)");

/** `models.<name>.upstream_auth`: the requesting tenant's own credential for a hosted API. */
export const upstreamAuthSchema = z.strictObject({
  /** The name of the tenant's provider secret (set with PUT /admin/v1/tenants/{id}/secrets/{name}). */
  tenant_secret: secretName,
  header: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "expected an HTTP header name")
    .transform((h) => h.toLowerCase())
    .refine((h) => !RESERVED.has(h), "this header is set by the gateway")
    .default("authorization"),
  /** Prefix before the secret ("Bearer" → `Bearer <secret>`); empty for the bare secret (e.g. x-api-key). */
  scheme: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, "expected a word such as Bearer")
    .default("Bearer"),
});

/** Fields added to `models.<name>`. */
export const modelControlShape = { upstream_auth: upstreamAuthSchema.optional() };

export type AuditConfig = z.output<typeof auditSchema>;
export type SecretsConfig = z.output<typeof secretsSchema>;
export type UpstreamAuthConfig = z.output<typeof upstreamAuthSchema>;
