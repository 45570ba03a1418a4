import type { z } from "zod";
import type { ApiKeyRecord } from "../../store/port.js";
import type { AdminKeyRecord, StoredTenant } from "../../store/tenant-port.js";
import type { adminKeyView, keyView, tenantView } from "./schemas.js";

/** Stored records as the admin API shows them (never a hash or a secret). */

const iso = (d: Date | null | undefined): string | null => (d == null ? null : d.toISOString());

export function tenantJson(t: StoredTenant): z.input<typeof tenantView> {
  return {
    id: t.id,
    status: t.status,
    managed_by: t.managedBy,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
    revision: t.revision,
    spec: t.spec as z.input<typeof tenantView>["spec"],
  };
}

export function keyState(k: ApiKeyRecord, now: Date): "active" | "rotating" | "expired" | "revoked" {
  if (k.revokedAt !== null) return k.revokedAt <= now ? "revoked" : "rotating";
  if (k.expiresAt !== null && k.expiresAt <= now) return "expired";
  return "active";
}

export function keyJson(k: ApiKeyRecord, now: Date): z.output<typeof keyView> {
  const l = k.rateLimits;
  return {
    id: k.id,
    tenant: k.tenantId,
    name: k.name,
    prefix: k.displayPrefix,
    created_at: k.createdAt.toISOString(),
    last_used_at: iso(k.lastUsedAt),
    expires_at: iso(k.expiresAt),
    revoked_at: iso(k.revokedAt),
    state: keyState(k, now),
    scopes: k.scopes == null ? ["inference", "usage"] : [...k.scopes].sort(),
    rate_limits:
      l == null
        ? null
        : {
            requests_per_minute: l.requestsPerMinute,
            tokens_per_minute: l.tokensPerMinute,
            concurrent_requests: l.concurrentRequests,
          },
    models_allowed: k.models == null ? null : [...k.models].sort(),
    managed_by: k.managedBy ?? "api",
  };
}

export function adminKeyJson(k: AdminKeyRecord): z.input<typeof adminKeyView> {
  return {
    id: k.id,
    name: k.name,
    prefix: k.displayPrefix,
    role: k.role as z.input<typeof adminKeyView>["role"],
    tenant: k.tenantId,
    created_at: k.createdAt.toISOString(),
    created_by: k.createdBy,
    expires_at: iso(k.expiresAt),
    revoked_at: iso(k.revokedAt),
  };
}
