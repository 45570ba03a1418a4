import { ApiError } from "../errors.js";
import type { SecretMetadata, SecretRepository } from "../store/secret-port.js";
import { decryptSecret, encryptSecret, sealedKeyId, type Keyring } from "./envelope.js";

/** A credential goes into an HTTP header: visible ASCII, inner spaces allowed, nothing that splits a header. */
const VALUE = /^[\x21-\x7e](?:[\x20-\x7e]{0,4094}[\x21-\x7e])?$/;
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface RotationReport {
  /** Secrets re-encrypted under the current key. */
  readonly resealed: number;
  /** Secrets that could not be (their key id is not in the keyring, or they do not decrypt). */
  readonly failed: readonly { tenantId: string; name: string; reason: string }[];
}

const unavailable = (): ApiError =>
  new ApiError(
    "secrets_unavailable",
    "Provider secrets are not available: no key-encryption key is configured (TOLLGATE_KEK or secrets.kek_file).",
  );

/**
 * Tenants' provider credentials: sealed with the current key-encryption key (the tenant id bound in
 * as authenticated data) before they reach the store, listed by name and metadata only, and opened
 * only by `reveal` — which the dispatch stage calls for the requesting tenant's own requests.
 */
export class ProviderSecrets {
  private readonly listeners: ((tenantId: string, name: string) => void)[] = [];

  constructor(
    private readonly repository: SecretRepository,
    private readonly ring: Keyring | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The key id new secrets are sealed with; null without a keyring. */
  get currentKeyId(): string | null {
    return this.ring?.current ?? null;
  }

  /** Called after a local set or delete (a replica's cache of that secret is then dropped). */
  onChange(listener: (tenantId: string, name: string) => void): void {
    this.listeners.push(listener);
  }

  /** Seals and stores a secret; true when it is new. Refuses a value that cannot be a header value. */
  async set(
    tenantId: string,
    name: string,
    value: string,
  ): Promise<{ created: boolean; meta: SecretMetadata }> {
    if (!SECRET_NAME.test(name))
      throw new ApiError("invalid_request", "A secret name is letters, digits, . _ - (at most 64).", "name");
    if (!VALUE.test(value))
      throw new ApiError(
        "invalid_request",
        "'value' must be 1 to 4096 visible ASCII characters (spaces only inside).",
        "value",
      );
    if (this.ring === null) throw unavailable();
    const at = this.now();
    const sealed = encryptSecret(this.ring, tenantId, value);
    const secret = { tenantId, name, sealed, keyId: this.ring.current, createdAt: at, updatedAt: at };
    const created = await this.repository.put(secret);
    this.changed(tenantId, name);
    const meta = await this.metadata(tenantId, name);
    return { created, meta: meta ?? { tenantId, name, keyId: secret.keyId, createdAt: at, updatedAt: at } };
  }

  list(tenantId: string): Promise<SecretMetadata[]> {
    return this.repository.list(tenantId);
  }

  async metadata(tenantId: string, name: string): Promise<SecretMetadata | undefined> {
    return (await this.repository.list(tenantId)).find((s) => s.name === name);
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    const deleted = await this.repository.delete(tenantId, name);
    if (deleted) this.changed(tenantId, name);
    return deleted;
  }

  /** The secret in clear, for `tenantId`'s own request; undefined when it has none. */
  async reveal(tenantId: string, name: string): Promise<string | undefined> {
    const stored = await this.repository.get(tenantId, name);
    if (stored === undefined) return undefined;
    if (this.ring === null) throw unavailable();
    return decryptSecret(this.ring, tenantId, stored.sealed);
  }

  /** Re-encrypts every secret sealed with an older key under the current one (`tollgate secrets rotate`). */
  async rotate(pageSize = 100): Promise<RotationReport> {
    if (this.ring === null) throw unavailable();
    const ring = this.ring;
    const failed = new Map<string, { tenantId: string; name: string; reason: string }>();
    let resealed = 0;
    for (;;) {
      const page = await this.repository.sealedWithOtherKeys(ring.current, pageSize + failed.size);
      const todo = page.filter((s) => !failed.has(`${s.tenantId}/${s.name}`));
      if (todo.length === 0) break;
      for (const s of todo) {
        try {
          const value = decryptSecret(ring, s.tenantId, s.sealed);
          const sealed = encryptSecret(ring, s.tenantId, value);
          if (await this.repository.reseal({ ...s, sealed, keyId: ring.current }, s.sealed)) resealed++;
        } catch (err) {
          const kid = sealedKeyId(s.sealed) ?? "?";
          const reason = ring.keys.has(kid)
            ? `does not decrypt (${err instanceof Error ? err.message : "error"})`
            : `key id ${kid} is not in the keyring`;
          failed.set(`${s.tenantId}/${s.name}`, { tenantId: s.tenantId, name: s.name, reason });
        }
      }
    }
    return { resealed, failed: [...failed.values()] };
  }

  private changed(tenantId: string, name: string): void {
    for (const l of this.listeners) l(tenantId, name);
  }
}
