import type { Kysely, Selectable } from "kysely";
import type { SecretMetadata, SecretRepository, StoredSecret } from "../secret-port.js";
import { acrossTenants } from "./all-tenants.js";
import type { TenantSecretsTable } from "./control-tables.js";
import type { Database } from "./schema.js";
import { inTenant } from "./tenant-scope.js";

function fromRow(row: Selectable<TenantSecretsTable>): StoredSecret {
  return {
    tenantId: row.tenant_id,
    name: row.name,
    sealed: row.sealed,
    keyId: row.key_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Provider secrets on any Kysely dialect; with `rls` every read and write is scoped to its tenant. */
export class SqlSecretRepository implements SecretRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rls: boolean,
  ) {}

  async put(s: StoredSecret): Promise<boolean> {
    const created = s.createdAt.toISOString();
    const row = await inTenant(this.db, this.rls, s.tenantId, (trx) =>
      trx
        .insertInto("tenant_secrets")
        .values({
          tenant_id: s.tenantId,
          name: s.name,
          sealed: s.sealed,
          key_id: s.keyId,
          created_at: created,
          updated_at: s.updatedAt.toISOString(),
        })
        .onConflict((oc) =>
          oc.columns(["tenant_id", "name"]).doUpdateSet((eb) => ({
            sealed: eb.ref("excluded.sealed"),
            key_id: eb.ref("excluded.key_id"),
            updated_at: eb.ref("excluded.updated_at"),
          })),
        )
        .returning("created_at")
        .executeTakeFirstOrThrow(),
    );
    return row.created_at === created;
  }

  async get(tenantId: string, name: string): Promise<StoredSecret | undefined> {
    const row = await inTenant(this.db, this.rls, tenantId, (trx) =>
      trx
        .selectFrom("tenant_secrets")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("name", "=", name)
        .executeTakeFirst(),
    );
    return row === undefined ? undefined : fromRow(row);
  }

  async list(tenantId: string): Promise<SecretMetadata[]> {
    const rows = await inTenant(this.db, this.rls, tenantId, (trx) =>
      trx
        .selectFrom("tenant_secrets")
        .select(["tenant_id", "name", "key_id", "created_at", "updated_at"])
        .where("tenant_id", "=", tenantId)
        .orderBy("name")
        .execute(),
    );
    return rows.map((r) => {
      const { sealed: _sealed, ...meta } = fromRow({ ...r, sealed: "" });
      return meta;
    });
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    const result = await inTenant(this.db, this.rls, tenantId, (trx) =>
      trx
        .deleteFrom("tenant_secrets")
        .where("tenant_id", "=", tenantId)
        .where("name", "=", name)
        .executeTakeFirst(),
    );
    return result.numDeletedRows > 0n;
  }

  async sealedWithOtherKeys(keyId: string, limit: number): Promise<StoredSecret[]> {
    const rows = await acrossTenants(this.db, this.rls, (trx) =>
      trx
        .selectFrom("tenant_secrets")
        .selectAll()
        .where("key_id", "<>", keyId)
        .orderBy("tenant_id")
        .orderBy("name")
        .limit(limit)
        .execute(),
    );
    return rows.map(fromRow);
  }

  async reseal(s: StoredSecret, expected: string): Promise<boolean> {
    const result = await inTenant(this.db, this.rls, s.tenantId, (trx) =>
      trx
        .updateTable("tenant_secrets")
        .set({ sealed: s.sealed, key_id: s.keyId })
        .where("tenant_id", "=", s.tenantId)
        .where("name", "=", s.name)
        .where("sealed", "=", expected)
        .executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }
}
