import { createHmac, randomBytes } from "node:crypto";

export type PromptCacheIsolation = "tenant" | "user" | "shared";

/**
 * vLLM's `cache_salt`: requests share prefix-cache blocks only when their salts are equal. Each
 * tenant gets HMAC(secret, tenant) — secret, so no client can compute another tenant's salt — and
 * with `user` isolation, one per end user. `shared` sends no salt (opt-in, for public prompts).
 */
export class CacheSalts {
  private readonly secret: Buffer;
  private readonly tenantSalts = new Map<string, string>();

  /** `secret` should be the same on every replica; without one, a random per-process key is used. */
  constructor(secret: string | undefined) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
  }

  private hmac(text: string): string {
    return createHmac("sha256", this.secret).update(text).digest("base64url");
  }

  salt(tenantId: string, isolation: PromptCacheIsolation, user: string | null): string | null {
    if (isolation === "shared") return null;
    let salt = this.tenantSalts.get(tenantId);
    if (salt === undefined) {
      salt = this.hmac(`tenant\u0000${tenantId}`);
      this.tenantSalts.set(tenantId, salt);
    }
    return isolation === "user" ? this.hmac(`user\u0000${salt}\u0000${user ?? ""}`) : salt;
  }
}
