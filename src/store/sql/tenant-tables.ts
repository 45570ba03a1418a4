import type { ColumnType } from "kysely";

/** A 64-bit integer: PostgreSQL's driver returns bigint as a string, SQLite as a number. */
type Int8 = ColumnType<number | string, number, number>;

/** A tenant as stored: its configuration as JSON text, its state, the revision of its last change. */
export interface TenantsTable {
  id: string;
  spec: string;
  status: string;
  managed_by: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  revision: Int8;
}

/** One row (id 1): the revision of the last change to tenants or keys, polled by every replica. */
export interface ControlRevisionTable {
  id: number;
  revision: Int8;
}

/** An admin API key: only its SHA-256 is stored. */
export interface AdminKeysTable {
  id: string;
  name: string | null;
  key_hash: string;
  display_prefix: string;
  role: string;
  tenant_id: string | null;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}
