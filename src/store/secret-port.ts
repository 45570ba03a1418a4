/** A tenant's provider secret as stored: sealed (secrets/envelope.ts), never in clear. */
export interface StoredSecret {
  readonly tenantId: string;
  readonly name: string;
  readonly sealed: string;
  /** The key-encryption key it is sealed with. */
  readonly keyId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What listings show: everything but the sealed value. */
export type SecretMetadata = Omit<StoredSecret, "sealed">;

/** Provider secrets in the store; every call is scoped to one tenant except `sealedWithOtherKeys`. */
export interface SecretRepository {
  /** Creates or replaces; true when it created. */
  put(secret: StoredSecret): Promise<boolean>;
  get(tenantId: string, name: string): Promise<StoredSecret | undefined>;
  list(tenantId: string): Promise<SecretMetadata[]>;
  /** False when there was none. */
  delete(tenantId: string, name: string): Promise<boolean>;
  /** Every tenant's secrets not sealed with `keyId` (what a KEK rotation re-encrypts), at most `limit`. */
  sealedWithOtherKeys(keyId: string, limit: number): Promise<StoredSecret[]>;
  /** Replaces a sealed value only if it is still `expected` (a concurrent set wins); true if replaced. */
  reseal(secret: StoredSecret, expected: string): Promise<boolean>;
}
