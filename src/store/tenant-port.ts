import type { ApiKeyRecord, KeyRepository } from "./port.js";

/**
 * The control plane's part of the store port: tenants (the source of truth every replica reads),
 * the revision counter every replica polls, the key lifecycle and admin keys.
 */

export type TenantStatus = "active" | "suspended";
/** `config`: defined by config-as-code (the gateway's config or `tollgate apply`); `api`: by the admin API. */
export type ManagedBy = "config" | "api";

export interface StoredTenant {
  readonly id: string;
  /** The tenant's configuration: the config's `tenants.<id>` shape without `api_keys`, normalized. */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly status: TenantStatus;
  readonly managedBy: ManagedBy;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Set on tombstones only (which only `changes` returns). */
  readonly deletedAt: Date | null;
  /** The control revision of the tenant's last change. */
  readonly revision: number;
}

export interface TenantChange {
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status?: TenantStatus;
  readonly managedBy?: ManagedBy;
}

export interface TenantRepository {
  /** The control revision: bumped by every change to a tenant or to a key's validity. One cheap read. */
  revision(): Promise<number>;
  /** Tenants (tombstones included) changed after `revision`, oldest change first. */
  changes(since: number): Promise<StoredTenant[]>;
  /** A live tenant. */
  get(id: string): Promise<StoredTenant | undefined>;
  /** Every live tenant, by id. */
  list(): Promise<StoredTenant[]>;
  /** Creates a tenant (over a deleted one's tombstone too); undefined when a live one has the id. */
  create(
    id: string,
    tenant: Required<Pick<TenantChange, "spec" | "managedBy">> & TenantChange,
    at: Date,
  ): Promise<StoredTenant | undefined>;
  /**
   * Changes a live tenant; undefined when there is none, or when `ifRevision` is given and the
   * tenant changed since (optimistic concurrency).
   */
  update(id: string, change: TenantChange, at: Date, ifRevision?: number): Promise<StoredTenant | undefined>;
  /** Deletes a live tenant (a tombstone) and revokes its API and admin keys; false when there is none. */
  delete(id: string, at: Date): Promise<boolean>;
}

/** What may change on a stored API key. */
export interface KeyChange {
  readonly name?: string | null;
  readonly expiresAt?: Date | null;
  readonly revokedAt?: Date | null;
  readonly rateLimits?: ApiKeyRecord["rateLimits"];
  readonly models?: ApiKeyRecord["models"];
  readonly scopes?: ApiKeyRecord["scopes"];
}

/** API keys with their lifecycle; every call is scoped to the key's tenant (row-level security). */
export interface ManagedKeyRepository extends KeyRepository {
  get(tenantId: string, id: string): Promise<ApiKeyRecord | undefined>;
  /** Changes a key and bumps the control revision (replicas drop their cached lookups). */
  update(tenantId: string, id: string, change: KeyChange): Promise<ApiKeyRecord | undefined>;
  /** Records keys' last use (no revision bump). */
  touch(uses: readonly { tenantId: string; id: string; at: Date }[]): Promise<void>;
}

export interface AdminKeyRecord {
  readonly id: string;
  readonly name: string | null;
  readonly hash: string;
  readonly displayPrefix: string;
  readonly role: string;
  /** The tenant of a tenant-bound role; null for platform_admin. */
  readonly tenantId: string | null;
  readonly createdAt: Date;
  readonly createdBy: string | null;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface AdminKeyRepository {
  insert(record: AdminKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<AdminKeyRecord | undefined>;
  /** Every admin key, or those bound to one tenant. */
  list(tenantId?: string): Promise<AdminKeyRecord[]>;
  get(id: string): Promise<AdminKeyRecord | undefined>;
  revoke(id: string, at: Date): Promise<AdminKeyRecord | undefined>;
}
