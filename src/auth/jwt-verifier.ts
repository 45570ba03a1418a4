import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";

export interface JwtSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  /** Accepted signing algorithms (pinned: a token signed otherwise, or unsigned, is refused). */
  readonly algorithms: readonly string[];
  /** Claim names: which claim carries the tenant, the role, the subject. */
  readonly claims: { readonly tenant: string; readonly role: string; readonly subject: string };
  /** Claim values → Tollgate roles (identity values map to themselves). */
  readonly roleMap?: Readonly<Record<string, string>>;
  readonly clockToleranceSec?: number;
}

export interface JwtIdentity {
  readonly subject: string;
  readonly tenant: string | null;
  /** Tollgate roles granted by the token. */
  readonly roles: readonly string[];
}

function claim(payload: JWTPayload, path: string): unknown {
  let v: unknown = payload;
  for (const part of path.split("."))
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/**
 * OIDC/JWT verification with jose: signature against the issuer's JWKS (fetched, cached, refetched
 * on an unknown key id so rotation just works), pinned issuer, audience and algorithms, expiry and
 * not-before with a small clock tolerance. Throws on any failure.
 */
export class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: JwtSettings) {
    this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: 1_000,
      timeoutDuration: 5_000,
    });
  }

  async verify(token: string): Promise<JwtIdentity> {
    const { payload } = await jwtVerify(token, this.jwks, {
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      algorithms: [...this.settings.algorithms],
      clockTolerance: this.settings.clockToleranceSec ?? 30,
      requiredClaims: ["exp"],
    });
    const subject = claim(payload, this.settings.claims.subject);
    if (typeof subject !== "string" || subject.length === 0) throw new Error("token has no subject");
    const tenant = claim(payload, this.settings.claims.tenant);
    const rawRoles = claim(payload, this.settings.claims.role);
    const values = Array.isArray(rawRoles) ? rawRoles : rawRoles === undefined ? [] : [rawRoles];
    const roles = values
      .filter((r): r is string => typeof r === "string")
      .map((r) => this.settings.roleMap?.[r] ?? r);
    return { subject, tenant: typeof tenant === "string" ? tenant : null, roles };
  }
}

/** Whether a presented credential looks like a JWT (three base64url parts) rather than an API key. */
export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);
}
