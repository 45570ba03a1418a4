import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Provider secrets at rest: AES-256-GCM under a key-encryption key (KEK) named by a key id, so KEKs
 * can rotate (new secrets use the current key; old ones still decrypt with theirs). The tenant id is
 * authenticated data: a ciphertext copied to another tenant's row does not decrypt.
 *
 * Format: `v1.<kid>.<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 */

export interface Keyring {
  /** Key id used to encrypt. */
  readonly current: string;
  /** Every key id → 32-byte key. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** Parses `kid:base64key,kid2:base64key` (the TOLLGATE_KEK form); the first is current. */
export function parseKeyring(spec: string): Keyring {
  const keys = new Map<string, Buffer>();
  let current: string | undefined;
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [kid, b64] = part.split(":", 2);
    if (kid === undefined || b64 === undefined || !/^[\w-]+$/.test(kid))
      throw new Error("key-encryption keys are kid:base64 pairs");
    const key = Buffer.from(b64, "base64");
    if (key.length !== 32) throw new Error(`key ${kid} is not 32 bytes (256 bits)`);
    keys.set(kid, key);
    current ??= kid;
  }
  if (current === undefined) throw new Error("no key-encryption key");
  return { current, keys };
}

export function encryptSecret(ring: Keyring, tenantId: string, plaintext: string): string {
  const key = ring.keys.get(ring.current)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(`tollgate-secret:${tenantId}`));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    "v1",
    ring.current,
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    ct.toString("base64url"),
  ].join(".");
}

export function decryptSecret(ring: Keyring, tenantId: string, sealed: string): string {
  const [version, kid, iv, tag, ct] = sealed.split(".");
  if (version !== "v1" || kid === undefined || iv === undefined || tag === undefined || ct === undefined) {
    throw new Error("not a sealed secret");
  }
  const key = ring.keys.get(kid);
  if (key === undefined) throw new Error(`unknown key id ${kid}`);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(`tollgate-secret:${tenantId}`));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}

/** The key id a sealed secret was encrypted with (to find secrets to re-encrypt after a rotation). */
export function sealedKeyId(sealed: string): string | undefined {
  return sealed.split(".")[1];
}
