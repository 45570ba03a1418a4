import type { AdminKeyRepository } from "../store/tenant-port.js";
import { digestsEqual, generateApiKey, hashApiKey } from "./api-key-format.js";
import type { JwtVerifier } from "./jwt-verifier.js";
import { looksLikeJwt } from "./jwt-verifier.js";
import { isRole, type Actor, type Role } from "./rbac.js";

/** An admin key declared in the config (`admin.api_keys`), by hash. */
export interface ConfigAdminKey {
  readonly sha256: string;
  readonly role: Role;
  readonly tenant?: string | undefined;
  readonly name?: string | undefined;
}

export type AdminAuthResult =
  { readonly ok: true; readonly actor: Actor } | { readonly ok: false; readonly message: string };

/** Admin keys look like tenant keys with another prefix (`tga_`): never accepted on /v1, and recognisable. */
export const generateAdminKey = (): string => `tga_${generateApiKey().slice("tg_".length)}`;

/** When a token carries several roles, the actor acts with the first of these it has. */
const PRECEDENCE: readonly Role[] = ["platform_admin", "tenant_admin", "billing", "tenant_viewer"];

/**
 * Who is calling the admin API: an admin key (from the config, or stored hashed; looked up on every
 * request, so a revocation holds at once on every replica) or an OIDC token whose claims name a role
 * (and the tenant of a tenant-bound role).
 */
export class AdminAuthenticator {
  private readonly configKeys: ReadonlyMap<string, Actor>;

  constructor(
    private readonly options: {
      readonly configKeys: readonly ConfigAdminKey[];
      readonly repository: AdminKeyRepository;
      readonly jwt: JwtVerifier | null;
      readonly now?: () => number;
    },
  ) {
    this.configKeys = new Map(
      options.configKeys.map((k, i) => [
        k.sha256.toLowerCase(),
        { id: `admin-key:cfg_${k.name ?? i}`, role: k.role, tenant: k.tenant ?? null },
      ]),
    );
  }

  async authenticate(credential: string | undefined): Promise<AdminAuthResult> {
    if (credential === undefined || credential === "") {
      return {
        ok: false,
        message: "Missing credential: send an admin key or an OIDC token as `Authorization: Bearer …`.",
      };
    }
    if (this.options.jwt !== null && looksLikeJwt(credential))
      return this.fromJwt(this.options.jwt, credential);
    const hash = hashApiKey(credential);
    const fromConfig = this.configKeys.get(hash);
    if (fromConfig !== undefined) return { ok: true, actor: fromConfig };
    const key = await this.options.repository.findByHash(hash);
    const now = (this.options.now ?? Date.now)();
    if (key === undefined || !digestsEqual(key.hash, hash) || !isRole(key.role)) {
      return { ok: false, message: "Incorrect admin key provided." };
    }
    if (key.revokedAt !== null && key.revokedAt.getTime() <= now)
      return { ok: false, message: "This admin key has been revoked." };
    if (key.expiresAt !== null && key.expiresAt.getTime() <= now)
      return { ok: false, message: "This admin key has expired." };
    return { ok: true, actor: { id: `admin-key:${key.id}`, role: key.role, tenant: key.tenantId } };
  }

  private async fromJwt(jwt: JwtVerifier, token: string): Promise<AdminAuthResult> {
    let identity;
    try {
      identity = await jwt.verify(token);
    } catch {
      return { ok: false, message: "Invalid token (signature, issuer, audience, algorithm or expiry)." };
    }
    const role = PRECEDENCE.find((r) => identity.roles.includes(r));
    if (role === undefined) return { ok: false, message: "The token grants no Tollgate role." };
    if (role !== "platform_admin" && identity.tenant === null) {
      return { ok: false, message: `The token's ${role} role needs a tenant claim.` };
    }
    const tenant = role === "platform_admin" ? null : identity.tenant;
    return { ok: true, actor: { id: `jwt:${identity.subject}`, role, tenant } };
  }
}
