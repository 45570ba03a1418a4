import type { ColumnType } from "kysely";

/** A 64-bit integer: PostgreSQL's driver returns bigint as a string, SQLite as a number. */
type Int8 = ColumnType<number | string, number, number>;

/** One audit record (see audit/chain.ts); `data` is JSON text. Append-only. */
export interface AuditLogTable {
  chain: string;
  seq: Int8;
  prev_hash: string;
  hash: string;
  time: string;
  actor: string;
  action: string;
  tenant_id: string | null;
  target: string | null;
  source_ip: string | null;
  data: string;
}

/** A tenant's provider secret, sealed under the KEK named by `key_id`. */
export interface TenantSecretsTable {
  tenant_id: string;
  name: string;
  sealed: string;
  key_id: string;
  created_at: string;
  updated_at: string;
}
