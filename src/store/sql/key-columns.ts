import type { Selectable } from "kysely";
import type { KeyRateLimits } from "../../auth/principal.js";
import type { ApiKeyRecord } from "../port.js";
import type { KeyChange } from "../tenant-port.js";
import type { ApiKeysTable } from "./schema.js";

/** API key rows ↔ records: dates as ISO text, limits, models and scopes as JSON text. */

const toDate = (s: string | null): Date | null => (s === null ? null : new Date(s));
const set = (s: string | null): ReadonlySet<string> | null =>
  s === null ? null : new Set(JSON.parse(s) as string[]);
const list = (v: ReadonlySet<string> | null | undefined): string | null =>
  v === null || v === undefined ? null : JSON.stringify([...v].sort());

export function toKeyRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    hash: row.key_hash,
    displayPrefix: row.display_prefix,
    createdAt: new Date(row.created_at),
    expiresAt: toDate(row.expires_at),
    revokedAt: toDate(row.revoked_at),
    rateLimits: row.rate_limits === null ? null : (JSON.parse(row.rate_limits) as KeyRateLimits),
    models: set(row.models_allowed),
    scopes: set(row.scopes),
    lastUsedAt: toDate(row.last_used_at),
    managedBy: row.managed_by === "config" ? "config" : "api",
  };
}

export function keyRow(r: ApiKeyRecord) {
  return {
    id: r.id,
    tenant_id: r.tenantId,
    name: r.name,
    key_hash: r.hash,
    display_prefix: r.displayPrefix,
    created_at: r.createdAt.toISOString(),
    expires_at: r.expiresAt?.toISOString() ?? null,
    revoked_at: r.revokedAt?.toISOString() ?? null,
    rate_limits: r.rateLimits === null || r.rateLimits === undefined ? null : JSON.stringify(r.rateLimits),
    models_allowed: list(r.models),
    scopes: list(r.scopes),
    last_used_at: r.lastUsedAt?.toISOString() ?? null,
    managed_by: r.managedBy ?? "api",
  };
}

/** The columns a change sets (only those it names). */
export function keyChangeColumns(c: KeyChange): Partial<ReturnType<typeof keyRow>> {
  const out: Partial<ReturnType<typeof keyRow>> = {};
  if (c.name !== undefined) out.name = c.name;
  if (c.expiresAt !== undefined) out.expires_at = c.expiresAt?.toISOString() ?? null;
  if (c.revokedAt !== undefined) out.revoked_at = c.revokedAt?.toISOString() ?? null;
  if (c.rateLimits !== undefined)
    out.rate_limits = c.rateLimits === null ? null : JSON.stringify(c.rateLimits);
  if (c.models !== undefined) out.models_allowed = list(c.models);
  if (c.scopes !== undefined) out.scopes = list(c.scopes);
  return out;
}
