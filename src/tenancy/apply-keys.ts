import type { KeyRateLimits } from "../auth/principal.js";
import type { TenantConfig } from "../config/schema.js";
import type { ApiKeyRecord, Store } from "../store/port.js";
import type { KeyChange } from "../store/tenant-port.js";
import { canonicalJson } from "../canonical-json.js";

export type KeyAction =
  | { readonly action: "create"; readonly record: ApiKeyRecord }
  | { readonly action: "update"; readonly id: string; readonly change: KeyChange; readonly fields: string[] }
  | { readonly action: "revoke"; readonly id: string };

export class ApplyConflict extends Error {}

/** The parts of the store apply reads and writes. */
export type ControlStore = Pick<Store, "tenants" | "keys">;

const limitsOf = (l: TenantConfig["api_keys"][number]["rate_limits"]): KeyRateLimits | null => {
  if (l === undefined) return null;
  const out: { -readonly [K in keyof KeyRateLimits]: number } = {};
  if (l.requests_per_minute !== undefined) out.requestsPerMinute = l.requests_per_minute;
  if (l.tokens_per_minute !== undefined) out.tokensPerMinute = l.tokens_per_minute;
  if (l.concurrent_requests !== undefined) out.concurrentRequests = l.concurrent_requests;
  return out;
};

const plain = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v);
const same = (a: unknown, b: unknown): boolean => canonicalJson(plain(a)) === canonicalJson(plain(b));
const setJson = (s: ReadonlySet<string> | null | undefined) => (s == null ? null : [...s].sort());

/** What makes a tenant's stored keys match the keys its file declares by hash. */
export async function planKeys(
  store: ControlStore,
  id: string,
  t: TenantConfig,
  at: Date,
  notes: string[],
): Promise<KeyAction[]> {
  const actions: KeyAction[] = [];
  const declared = new Set<string>();
  for (const [i, k] of t.api_keys.entries()) {
    const hash = k.sha256.toLowerCase();
    declared.add(hash);
    const want = {
      name: k.name ?? null,
      expiresAt: k.expires_at === undefined ? null : new Date(k.expires_at),
      rateLimits: limitsOf(k.rate_limits),
      models: k.models_allowed === undefined ? null : new Set(k.models_allowed),
    };
    const found = await store.keys.findByHash(hash);
    if (found === undefined) {
      let keyId = `cfg_${id}_${k.name ?? i}`;
      if ((await store.keys.get(id, keyId)) !== undefined) keyId = `${keyId}_${hash.slice(0, 8)}`;
      const record: ApiKeyRecord = {
        id: keyId,
        tenantId: id,
        hash,
        displayPrefix: `sha256:${hash.slice(0, 8)}`,
        createdAt: at,
        revokedAt: null,
        scopes: null,
        lastUsedAt: null,
        managedBy: "config",
        ...want,
      };
      actions.push({ action: "create", record });
      continue;
    }
    if (found.tenantId !== id) {
      throw new ApplyConflict(`tenants.${id}.api_keys[${i}]: this key is already a key of another tenant`);
    }
    if (found.revokedAt !== null && found.revokedAt <= at) {
      notes.push(`key ${found.id} is revoked in the store and stays revoked (declare a new key instead)`);
    }
    const fields = (["name", "expiresAt", "rateLimits", "models"] as const).filter((f) =>
      f === "models" ? !same(setJson(found.models), setJson(want.models)) : !same(found[f] ?? null, want[f]),
    );
    if (fields.length > 0) {
      const change = Object.fromEntries(fields.map((f) => [f, want[f]])) as KeyChange;
      actions.push({ action: "update", id: found.id, change, fields });
    }
  }
  for (const stored of await store.keys.listByTenant(id)) {
    const live = stored.revokedAt === null || stored.revokedAt > at;
    if (stored.managedBy === "config" && live && !declared.has(stored.hash)) {
      actions.push({ action: "revoke", id: stored.id });
    }
  }
  return actions;
}
