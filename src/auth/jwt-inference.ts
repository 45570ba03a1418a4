import type { JwtVerifier } from "./jwt-verifier.js";
import type { AuthResult } from "./principal.js";

export interface JwtInferenceOptions {
  readonly verifier: JwtVerifier;
  readonly tenantExists: (id: string) => boolean;
  readonly tenantSuspended: (id: string) => boolean;
}

/**
 * Inference authenticated by an OIDC token (`auth.oidc.inference: true`): the tenant comes from the
 * token's tenant claim (never from the request), the end user from its subject. The usage ledger
 * records the request under key id `jwt:<subject>`.
 */
export class JwtInferenceAuthenticator {
  constructor(private readonly options: JwtInferenceOptions) {}

  async authenticate(token: string, claimedTenant?: string): Promise<AuthResult> {
    let identity;
    try {
      identity = await this.options.verifier.verify(token);
    } catch {
      return { ok: false, reason: "unknown" };
    }
    const tenantId = identity.tenant;
    if (tenantId === null || !this.options.tenantExists(tenantId)) return { ok: false, reason: "unknown" };
    if (claimedTenant !== undefined && claimedTenant !== tenantId)
      return { ok: false, reason: "tenant_mismatch" };
    if (this.options.tenantSuspended(tenantId)) return { ok: false, reason: "tenant_suspended" };
    return {
      ok: true,
      principal: {
        tenantId,
        keyId: `jwt:${identity.subject}`,
        keyName: null,
        keyLimits: null,
        keyModels: null,
        scopes: null,
        user: identity.subject,
      },
    };
  }
}
