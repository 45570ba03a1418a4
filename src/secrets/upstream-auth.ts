import type { UpstreamAuthConfig } from "../config/control-schema.js";
import { ApiError } from "../errors.js";

/** What the dispatch stage needs from the secrets: a tenant's own secret in clear, or undefined. */
export interface SecretSource {
  reveal(tenantId: string, name: string): Promise<string | undefined>;
}

interface Cached {
  value: string | undefined;
  expires: number;
  loading: Promise<string | undefined> | null;
}

/**
 * Per-request upstream credentials: a model with `upstream_auth` is sent the requesting tenant's own
 * secret of that name (never anybody else's: the lookup key is the principal's tenant, and the sealed
 * value only decrypts for that tenant). Secrets are cached per replica for `ttlMs` (a local change
 * drops the entry at once); when the store cannot be read, the last value known is used.
 */
export class UpstreamAuth {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly byModel: ReadonlyMap<string, UpstreamAuthConfig>,
    private readonly secrets: SecretSource | null,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether any model needs tenant credentials. */
  get needed(): boolean {
    return this.byModel.size > 0;
  }

  /** Headers for `tenantId`'s request to `model`; null (no await) for models without upstream_auth. */
  headers(tenantId: string, model: string): Promise<Record<string, string>> | null {
    const auth = this.byModel.get(model);
    if (auth === undefined) return null;
    return this.secret(tenantId, auth.tenant_secret).then((secret) => {
      if (secret === undefined) {
        throw new ApiError(
          "tenant_secret_missing",
          `This model uses your tenant's own provider credential "${auth.tenant_secret}", which is not set: a tenant admin sets it with PUT /admin/v1/tenants/${tenantId}/secrets/${auth.tenant_secret}.`,
          "model",
        );
      }
      return { [auth.header]: auth.scheme === "" ? secret : `${auth.scheme} ${secret}` };
    });
  }

  /** Drops a cached secret (after a set or delete on this replica). */
  invalidate(tenantId: string, name: string): void {
    this.cache.delete(`${tenantId}\u0000${name}`);
  }

  private async secret(tenantId: string, name: string): Promise<string | undefined> {
    const key = `${tenantId}\u0000${name}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && (hit.expires > this.now() || hit.loading !== null))
      return hit.loading ?? hit.value;
    const entry: Cached = hit ?? { value: undefined, expires: 0, loading: null };
    const known = hit !== undefined;
    entry.loading = this.load(tenantId, name, entry, known);
    this.cache.set(key, entry);
    return entry.loading;
  }

  private async load(
    tenantId: string,
    name: string,
    entry: Cached,
    known: boolean,
  ): Promise<string | undefined> {
    try {
      if (this.secrets === null) throw new Error("no key-encryption key");
      entry.value = await this.secrets.reveal(tenantId, name);
      entry.expires = this.now() + this.ttlMs;
      return entry.value;
    } catch {
      if (known && entry.value !== undefined) return entry.value; // stale beats failing the tenant's request
      throw new ApiError(
        "secrets_unavailable",
        "Your tenant's provider credential cannot be read right now; retry shortly.",
      );
    } finally {
      entry.loading = null;
    }
  }
}
