import type { Kysely, Selectable } from "kysely";
import type { StoredTenant, TenantChange, TenantRepository, TenantStatus } from "../tenant-port.js";
import { bumpRevision } from "./revision.js";
import type { Database } from "./schema.js";
import type { TenantsTable } from "./tenant-tables.js";
import { inTenant } from "./tenant-scope.js";

function toTenant(row: Selectable<TenantsTable>): StoredTenant {
  return {
    id: row.id,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    status: row.status as TenantStatus,
    managedBy: row.managed_by === "config" ? "config" : "api",
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
    revision: Number(row.revision),
  };
}

/**
 * Tenants on any Kysely dialect: a platform table (every replica reads every tenant), each write
 * bumping the control revision in its own transaction. Deletes leave a tombstone so that replicas
 * refreshing incrementally (`changes`) see them.
 */
export class SqlTenantRepository implements TenantRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rls = false,
  ) {}

  async revision(): Promise<number> {
    const row = await this.db
      .selectFrom("control_revision")
      .select("revision")
      .where("id", "=", 1)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.revision);
  }

  async changes(since: number): Promise<StoredTenant[]> {
    const rows = await this.db
      .selectFrom("tenants")
      .selectAll()
      .where("revision", ">", since)
      .orderBy("revision")
      .execute();
    return rows.map(toTenant);
  }

  async get(id: string): Promise<StoredTenant | undefined> {
    const row = await this.db
      .selectFrom("tenants")
      .selectAll()
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row === undefined ? undefined : toTenant(row);
  }

  async list(): Promise<StoredTenant[]> {
    const rows = await this.db
      .selectFrom("tenants")
      .selectAll()
      .where("deleted_at", "is", null)
      .orderBy("id")
      .execute();
    return rows.map(toTenant);
  }

  async create(
    id: string,
    t: Required<Pick<TenantChange, "spec" | "managedBy">> & TenantChange,
    at: Date,
  ): Promise<StoredTenant | undefined> {
    const row = await this.db.transaction().execute(async (trx) => {
      const revision = await bumpRevision(trx);
      const values = {
        id,
        spec: JSON.stringify(t.spec),
        status: t.status ?? "active",
        managed_by: t.managedBy,
        created_at: at.toISOString(),
        updated_at: at.toISOString(),
        deleted_at: null,
        revision,
      };
      const { id: _id, ...again } = values;
      return trx
        .insertInto("tenants")
        .values(values)
        .onConflict((oc) => oc.column("id").doUpdateSet(again).where("tenants.deleted_at", "is not", null))
        .returningAll()
        .executeTakeFirst();
    });
    return row === undefined ? undefined : toTenant(row);
  }

  async update(
    id: string,
    change: TenantChange,
    at: Date,
    ifRevision?: number,
  ): Promise<StoredTenant | undefined> {
    const row = await this.db
      .transaction()
      .execute(async (trx) => {
        const revision = await bumpRevision(trx);
        let q = trx
          .updateTable("tenants")
          .set({
            ...(change.spec === undefined ? {} : { spec: JSON.stringify(change.spec) }),
            ...(change.status === undefined ? {} : { status: change.status }),
            ...(change.managedBy === undefined ? {} : { managed_by: change.managedBy }),
            updated_at: at.toISOString(),
            revision,
          })
          .where("id", "=", id)
          .where("deleted_at", "is", null);
        if (ifRevision !== undefined) q = q.where("revision", "=", ifRevision);
        const updated = await q.returningAll().executeTakeFirst();
        // Nothing changed: roll the revision bump back with the transaction.
        if (updated === undefined) throw new NothingChanged();
        return updated;
      })
      .catch((err: unknown) => {
        if (err instanceof NothingChanged) return undefined;
        throw err;
      });
    return row === undefined ? undefined : toTenant(row);
  }

  async delete(id: string, at: Date): Promise<boolean> {
    const when = at.toISOString();
    return inTenant(this.db, this.rls, id, async (trx) => {
      const revision = await bumpRevision(trx);
      const gone = await trx
        .updateTable("tenants")
        .set({ deleted_at: when, updated_at: when, revision })
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (Number(gone.numUpdatedRows) === 0) throw new NothingChanged();
      await trx
        .updateTable("api_keys")
        .set({ revoked_at: when })
        .where("tenant_id", "=", id)
        .where((eb) => eb.or([eb("revoked_at", "is", null), eb("revoked_at", ">", when)]))
        .execute();
      await trx
        .updateTable("admin_keys")
        .set({ revoked_at: when })
        .where("tenant_id", "=", id)
        .where((eb) => eb.or([eb("revoked_at", "is", null), eb("revoked_at", ">", when)]))
        .execute();
      // its provider secrets go with it: a tenant created later with this id must not inherit them
      await trx.deleteFrom("tenant_secrets").where("tenant_id", "=", id).execute();
      return true;
    }).catch((err: unknown) => {
      if (err instanceof NothingChanged) return false;
      throw err;
    });
  }
}

/** Thrown inside a transaction to roll back its revision bump when nothing matched. */
class NothingChanged extends Error {}
