/** Who is calling: the authenticated tenant and key. Only the gateway sets these. */
export interface Principal {
  readonly tenantId: string;
  readonly keyId: string;
  readonly keyName: string | null;
}

export type AuthFailure = "missing" | "malformed" | "unknown" | "expired" | "revoked" | "tenant_mismatch";

export type AuthResult =
  { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: AuthFailure };
