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
}

export type AuthFailure = "missing" | "malformed" | "unknown" | "expired" | "revoked" | "tenant_mismatch";

export type AuthResult =
  { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: AuthFailure };
