/** Per-key limits, within the tenant's. */
export interface KeyRateLimits {
  readonly requestsPerMinute?: number | undefined;
  readonly tokensPerMinute?: number | undefined;
  readonly concurrentRequests?: number | undefined;
}

/** Who is calling: the authenticated tenant and key. Only the gateway sets these. */
export interface Principal {
  readonly tenantId: string;
  readonly keyId: string;
  readonly keyName: string | null;
  /** Limits of the key itself, when it has any. */
  readonly keyLimits: KeyRateLimits | null;
  /** The key's subset of the tenant's models; null means all of the tenant's. */
  readonly keyModels: ReadonlySet<string> | null;
  /** What the key may call (`inference`, `usage`); absent or null: everything. */
  readonly scopes?: ReadonlySet<string> | null;
  /** The end user a JWT names (its subject), when inference is authenticated by OIDC. */
  readonly user?: string;
}

export type AuthFailure =
  "missing" | "malformed" | "unknown" | "expired" | "revoked" | "tenant_mismatch" | "tenant_suspended";

export type AuthResult =
  { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: AuthFailure };
