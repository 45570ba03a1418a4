import type { Kysely, Selectable } from "kysely";
import type { AdminKeyRecord, AdminKeyRepository } from "../tenant-port.js";
import type { Database } from "./schema.js";
import type { AdminKeysTable } from "./tenant-tables.js";

const toDate = (s: string | null): Date | null => (s === null ? null : new Date(s));

function toRecord(row: Selectable<AdminKeysTable>): AdminKeyRecord {
  return {
    id: row.id,
    name: row.name,
    hash: row.key_hash,
    displayPrefix: row.display_prefix,
    role: row.role,
    tenantId: row.tenant_id,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    expiresAt: toDate(row.expires_at),
    revokedAt: toDate(row.revoked_at),
  };
}

/** Admin API keys (a platform table): looked up by hash on every admin request, never cached. */
export class SqlAdminKeyRepository implements AdminKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: AdminKeyRecord): Promise<void> {
    await this.db
      .insertInto("admin_keys")
      .values({
        id: r.id,
        name: r.name,
        key_hash: r.hash,
        display_prefix: r.displayPrefix,
        role: r.role,
        tenant_id: r.tenantId,
        created_at: r.createdAt.toISOString(),
        created_by: r.createdBy,
        expires_at: r.expiresAt?.toISOString() ?? null,
        revoked_at: r.revokedAt?.toISOString() ?? null,
      })
      .execute();
  }

  async findByHash(hash: string): Promise<AdminKeyRecord | undefined> {
    const row = await this.db
      .selectFrom("admin_keys")
      .selectAll()
      .where("key_hash", "=", hash)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(tenantId?: string): Promise<AdminKeyRecord[]> {
    let q = this.db.selectFrom("admin_keys").selectAll();
    if (tenantId !== undefined) q = q.where("tenant_id", "=", tenantId);
    return (await q.orderBy("created_at").orderBy("id").execute()).map(toRecord);
  }

  async get(id: string): Promise<AdminKeyRecord | undefined> {
    const row = await this.db.selectFrom("admin_keys").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async revoke(id: string, at: Date): Promise<AdminKeyRecord | undefined> {
    const row = await this.db
      .updateTable("admin_keys")
      .set({ revoked_at: at.toISOString() })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }
}
