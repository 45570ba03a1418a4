import { sql, type Kysely, type Selectable } from "kysely";
import type { ApiKeyRecord } from "../port.js";
import type { KeyChange, ManagedKeyRepository } from "../tenant-port.js";
import { keyChangeColumns, keyRow, toKeyRecord } from "./key-columns.js";
import { bumpRevision } from "./revision.js";
import type { ApiKeysTable, Database } from "./schema.js";
import { inTenant } from "./tenant-scope.js";

/**
 * API keys on any Kysely dialect. With `rls` (PostgreSQL), writes and listings run scoped to their
 * tenant, and a lookup by hash goes through tollgate_api_key_by_hash, which may see only that row.
 */
export class SqlKeyRepository implements ManagedKeyRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rls = false,
  ) {}

  async insert(r: ApiKeyRecord): Promise<void> {
    await inTenant(this.db, this.rls, r.tenantId, (trx) =>
      trx.insertInto("api_keys").values(keyRow(r)).execute(),
    );
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    if (this.rls) {
      const { rows } = await sql<
        Selectable<ApiKeysTable>
      >`select * from tollgate_api_key_by_hash(${hash})`.execute(this.db);
      return rows[0] === undefined ? undefined : toKeyRecord(rows[0]);
    }
    const row = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("key_hash", "=", hash)
      .executeTakeFirst();
    return row === undefined ? undefined : toKeyRecord(row);
  }

  async listByTenant(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await inTenant(this.db, this.rls, tenantId, (trx) =>
      trx
        .selectFrom("api_keys")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .orderBy("created_at")
        .orderBy("id")
        .execute(),
    );
    return rows.map(toKeyRecord);
  }

  async get(tenantId: string, id: string): Promise<ApiKeyRecord | undefined> {
    const row = await inTenant(this.db, this.rls, tenantId, (trx) =>
      trx
        .selectFrom("api_keys")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("id", "=", id)
        .executeTakeFirst(),
    );
    return row === undefined ? undefined : toKeyRecord(row);
  }

  async update(tenantId: string, id: string, change: KeyChange): Promise<ApiKeyRecord | undefined> {
    const row = await inTenant(this.db, this.rls, tenantId, async (trx) => {
      const updated = await trx
        .updateTable("api_keys")
        .set(keyChangeColumns(change))
        .where("tenant_id", "=", tenantId)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      if (updated !== undefined) await bumpRevision(trx);
      return updated;
    });
    return row === undefined ? undefined : toKeyRecord(row);
  }

  async touch(uses: readonly { tenantId: string; id: string; at: Date }[]): Promise<void> {
    const byTenant = new Map<string, { id: string; at: Date }[]>();
    for (const u of uses) {
      const list = byTenant.get(u.tenantId) ?? [];
      list.push(u);
      byTenant.set(u.tenantId, list);
    }
    for (const [tenantId, list] of byTenant) {
      await inTenant(this.db, this.rls, tenantId, async (trx) => {
        for (const u of list) {
          await trx
            .updateTable("api_keys")
            .set({ last_used_at: u.at.toISOString() })
            .where("tenant_id", "=", tenantId)
            .where("id", "=", u.id)
            .execute();
        }
      });
    }
  }
}
