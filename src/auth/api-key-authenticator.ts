import { ApiError } from "../errors.js";
import type { KeyRepository } from "../store/port.js";
import { digestsEqual, hashApiKey, isWellFormedTollgateKey, looksLikeTollgateKey } from "./api-key-format.js";
import type { AuthResult, KeyRateLimits } from "./principal.js";

/** A key known to the authenticator, from the config file or the store. */
export interface KnownKey {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string | null;
  readonly hash: string;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly rateLimits?: KeyRateLimits | null;
  readonly models?: ReadonlySet<string> | null;
  readonly scopes?: ReadonlySet<string> | null;
}

interface CacheEntry {
  readonly key: KnownKey | undefined;
  /** Fresh until then; after it, served while one refresh reads the store, for up to staleMs. */
  readonly until: number;
  refreshing: boolean;
}

export interface ApiKeyAuthenticatorOptions {
  /** Keys declared in the config, by hash. They may have any format. */
  readonly configKeys: readonly KnownKey[];
  readonly repository: KeyRepository;
  /** Tenants that exist; a key whose tenant is gone is refused. */
  readonly tenantExists: (id: string) => boolean;
  /** Suspended tenants: their keys are refused with `tenant_suspended`. */
  readonly tenantSuspended?: (id: string) => boolean;
  /** A stored key authenticated (last-use tracking). */
  readonly onUse?: (key: KnownKey) => void;
  readonly now?: () => number;
  /**
   * How long a store lookup is reused; bounds how late a change the control revision does not
   * announce is seen (revocations through the admin API clear the cache at once).
   */
  readonly cacheTtlMs?: number;
  /**
   * After the TTL, the cached answer keeps serving while one background lookup refreshes it (no
   * request waits on the store for a key in use), for at most this long; default 30 s.
   */
  readonly cacheStaleMs?: number;
  readonly cacheMaxEntries?: number;
}

/**
 * Turns a presented API key into a principal. Only the SHA-256 of keys is held; the final
 * comparison is constant-time. Store lookups are cached briefly, and refreshed in the background
 * while the cached answer keeps serving, so a key in use never waits on the store;
 * `clearCache()` (called when the store's control revision moves) makes revocations immediate.
 * Keys of the gateway's own config are in the store too (applied at start): the store's row wins, so
 * a revocation through the admin API holds; the config's copy answers only while the store cannot.
 */
export class ApiKeyAuthenticator {
  private readonly configKeys: ReadonlyMap<string, KnownKey>;
  private readonly cache = new Map<string, CacheEntry>();
  private generation = 0;
  private readonly now: () => number;
  private readonly ttl: number;
  private readonly staleMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: ApiKeyAuthenticatorOptions) {
    this.configKeys = new Map(options.configKeys.map((k) => [k.hash.toLowerCase(), k]));
    this.now = options.now ?? Date.now;
    this.ttl = options.cacheTtlMs ?? 5000;
    this.staleMs = options.cacheStaleMs ?? 30_000;
    this.maxEntries = options.cacheMaxEntries ?? 10_000;
  }

  async authenticate(presented: string | undefined, claimedTenant?: string): Promise<AuthResult> {
    if (presented === undefined || presented.length === 0) return { ok: false, reason: "missing" };
    const hash = hashApiKey(presented);
    const fromConfig = this.configKeys.get(hash);
    // A Tollgate-format key with a bad checksum is a typo or a forgery: refused without a lookup.
    // Keys declared in the config by hash may have any format.
    if (fromConfig === undefined && looksLikeTollgateKey(presented) && !isWellFormedTollgateKey(presented)) {
      return { ok: false, reason: "malformed" };
    }
    let key: KnownKey | undefined;
    try {
      key = (await this.lookup(hash)) ?? fromConfig;
    } catch {
      // The store is unreachable: keys declared in the config still work; others cannot be checked.
      if (fromConfig === undefined) {
        throw new ApiError(
          "store_unavailable",
          "API keys cannot be checked right now (store unreachable); retry shortly.",
          null,
          {
            "retry-after": "1",
          },
        );
      }
      key = fromConfig;
    }
    if (key === undefined || !digestsEqual(key.hash, hash)) return { ok: false, reason: "unknown" };
    if (!this.options.tenantExists(key.tenantId)) return { ok: false, reason: "unknown" };
    const now = this.now();
    if (key.revokedAt !== null && key.revokedAt.getTime() <= now) return { ok: false, reason: "revoked" };
    if (key.expiresAt !== null && key.expiresAt.getTime() <= now) return { ok: false, reason: "expired" };
    if (claimedTenant !== undefined && claimedTenant !== key.tenantId)
      return { ok: false, reason: "tenant_mismatch" };
    if (this.options.tenantSuspended?.(key.tenantId) === true)
      return { ok: false, reason: "tenant_suspended" };
    if (key !== fromConfig) this.options.onUse?.(key);
    return {
      ok: true,
      principal: {
        tenantId: key.tenantId,
        keyId: key.id,
        keyName: key.name,
        keyLimits: key.rateLimits ?? null,
        keyModels: key.models ?? null,
        scopes: key.scopes ?? undefined,
      },
    };
  }

  /** Forgets cached store lookups: the next use of each key reads the store again. */
  clearCache(): void {
    this.cache.clear();
    this.generation++;
  }

  private async lookup(hash: string): Promise<KnownKey | undefined> {
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached !== undefined && cached.until > now) return cached.key;
    if (cached !== undefined && cached.until + this.staleMs > now) {
      // Stale-while-revalidate: this request goes on with the cached answer; one refresh runs.
      if (!cached.refreshing) {
        cached.refreshing = true;
        this.read(hash, now).catch(() => (cached.refreshing = false)); // the store is down: try again next time
      }
      return cached.key;
    }
    return this.read(hash, now);
  }

  private async read(hash: string, now: number): Promise<KnownKey | undefined> {
    const generation = this.generation;
    const record = await this.options.repository.findByHash(hash);
    // A lookup that overlapped a clearCache() may have read the row before the change: use it, don't keep it.
    if (generation !== this.generation) return record;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(hash, { key: record, until: now + this.ttl, refreshing: false });
    return record;
  }
}
