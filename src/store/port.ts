/** The store port: tenants' durable data. Adapters: sqlite/ (embedded) and postgres/ (cluster). */

export interface ApiKeyRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string | null;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  readonly hash: string;
  /** First characters of the key, for display. */
  readonly displayPrefix: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface KeyRepository {
  insert(record: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listByTenant(tenantId: string): Promise<ApiKeyRecord[]>;
}

export interface Store {
  readonly keys: KeyRepository;
  /** Throws if the database cannot be reached. */
  ping(): Promise<void>;
  /** Applies pending migrations; idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
