import type { ColumnType } from "kysely";
import type { AuditLogTable, TenantSecretsTable } from "./control-tables.js";
import type { AdminKeysTable, ControlRevisionTable, TenantsTable } from "./tenant-tables.js";

/** Table types shared by the SQL adapters (Kysely). Times are ISO-8601 UTC strings. */
export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string | null;
  key_hash: string;
  display_prefix: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  /** JSON: the key's own limits ({requests_per_minute, …}), its subset of models, its scopes. */
  rate_limits: ColumnType<string | null, string | null | undefined, string | null>;
  models_allowed: ColumnType<string | null, string | null | undefined, string | null>;
  scopes: ColumnType<string | null, string | null | undefined, string | null>;
  last_used_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** "config" for keys declared by hash in config-as-code (kept in sync by apply), else "api". */
  managed_by: ColumnType<string, string | undefined, string>;
}

/** A 64-bit integer: PostgreSQL's driver returns bigint (and sums) as strings, SQLite as numbers. */
export type Int8 = ColumnType<number | string, number, number>;

/** One row per request: the ledger. Booleans are 0/1 (portable). */
export interface UsageEventsTable {
  request_id: string;
  tenant_id: string;
  time: string;
  key_id: string | null;
  user_id: string | null;
  feature: string | null;
  endpoint: string;
  model: string | null;
  served_model: string | null;
  model_version: string | null;
  upstream: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_micros: Int8;
  /** Unit prices charged, integer micro-dollars per 1,000 tokens. */
  price_input: number;
  price_cached_input: number;
  price_output: number;
  latency_ms: number;
  ttft_ms: number | null;
  status: number;
  error_code: string | null;
  finish_reason: string | null;
  stream: number;
  client_aborted: number;
  cache_hit: number;
  prompt_version: string | null;
  blocked_by: string | null;
}

/** Hourly rollups by tenant, model and unit prices (`model` is "" for requests that named none). */
export interface UsageRecordsTable {
  tenant_id: string;
  hour: string;
  model: string;
  price_input: number;
  price_cached_input: number;
  price_output: number;
  requests: Int8;
  errors: Int8;
  input_tokens: Int8;
  output_tokens: Int8;
  cached_tokens: Int8;
  cost_micros: Int8;
}

export interface Database {
  api_keys: ApiKeysTable;
  usage_events: UsageEventsTable;
  usage_records: UsageRecordsTable;
  audit_log: AuditLogTable;
  tenant_secrets: TenantSecretsTable;
  tenants: TenantsTable;
  control_revision: ControlRevisionTable;
  admin_keys: AdminKeysTable;
}
