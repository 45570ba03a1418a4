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
}

export interface Database {
  api_keys: ApiKeysTable;
}
