import { sql, type Kysely, type Selectable } from "kysely";
import type { ApiKeyRecord, KeyRepository } from "../port.js";
import type { ApiKeysTable, Database } from "./schema.js";
import { inTenant } from "./tenant-scope.js";

const toDate = (s: string | null): Date | null => (s === null ? null : new Date(s));

function toRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    hash: row.key_hash,
    displayPrefix: row.display_prefix,
    createdAt: new Date(row.created_at),
    expiresAt: toDate(row.expires_at),
    revokedAt: toDate(row.revoked_at),
  };
}

/**
 * API keys on any Kysely dialect. With `rls` (PostgreSQL), writes and listings run scoped to their
 * tenant, and a lookup by hash goes through tollgate_api_key_by_hash, which may see only that row.
 */
export class SqlKeyRepository implements KeyRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rls = false,
  ) {}

  async insert(r: ApiKeyRecord): Promise<void> {
    await inTenant(this.db, this.rls, r.tenantId, (trx) =>
      trx
        .insertInto("api_keys")
        .values({
          id: r.id,
          tenant_id: r.tenantId,
          name: r.name,
          key_hash: r.hash,
          display_prefix: r.displayPrefix,
          created_at: r.createdAt.toISOString(),
          expires_at: r.expiresAt?.toISOString() ?? null,
          revoked_at: r.revokedAt?.toISOString() ?? null,
        })
        .execute(),
    );
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    if (this.rls) {
      const { rows } = await sql<
        Selectable<ApiKeysTable>
      >`select * from tollgate_api_key_by_hash(${hash})`.execute(this.db);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    }
    const row = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("key_hash", "=", hash)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async listByTenant(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await inTenant(this.db, this.rls, tenantId, (trx) =>
      trx
        .selectFrom("api_keys")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("created_at")
        .execute(),
    );
    return rows.map(toRecord);
  }
}
