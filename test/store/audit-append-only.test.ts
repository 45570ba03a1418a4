import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite, type SqliteDatabase } from "../../src/store/sqlite/driver.js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { link, type AuditEntry } from "../../src/audit/chain.js";
import { migrateStorage, openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import { postgresAvailable, throwawayDatabase, throwawayRole } from "../helpers/postgres.js";

const entry = (i: number, tenant: string | null): AuditEntry => ({
  time: new Date(Date.UTC(2026, 10, 25, 10, 0, i)).toISOString(),
  actor: "admin:root",
  action: "tenant.update",
  tenant,
  target: null,
  sourceIp: null,
  data: { n: i },
});
const records = link("r1", null, [entry(1, "acme"), entry(2, "globex"), entry(3, null), entry(4, "acme")]);

describe("SQLite: the audit table refuses changes", () => {
  let dir: string;
  let db: SqliteDatabase;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-audit-"));
    const store = openStore(`sqlite://${join(dir, "s.db")}`);
    await store.migrate();
    await store.audit.append(records);
    await store.close();
    db = openSqlite(join(dir, "s.db"));
  });
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("aborts UPDATE and DELETE", () => {
    expect(() => db.prepare("update audit_log set data = '{}' where seq = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare("delete from audit_log where seq = 2").run()).toThrow(/append-only/);
    expect(db.prepare("select count(*) as n from audit_log").get()).toEqual({ n: 4 });
  });
});

// On PostgreSQL the gateway's role may only INSERT and SELECT; even the owner meets a trigger.
describe.skipIf(!postgresAvailable)(
  "PostgreSQL: the gateway role may only insert and read audit records",
  () => {
    let db: Awaited<ReturnType<typeof throwawayDatabase>>;
    let role: Awaited<ReturnType<typeof throwawayRole>>;
    let store: Store;
    let app: pg.Client;
    let owner: pg.Client;

    beforeAll(async () => {
      db = await throwawayDatabase();
      role = await throwawayRole(db.url);
      store = openStore(role.url);
      await migrateStorage({ storage: role.url, storage_admin: db.url }, store);
      await store.audit.append(records);
      app = new pg.Client({ connectionString: role.url });
      await app.connect();
      owner = new pg.Client({ connectionString: db.url });
      await owner.connect();
    });
    afterAll(async () => {
      await app?.end();
      await owner?.end();
      await store?.close();
      await db?.drop();
      await role?.drop();
    });

    it("refuses UPDATE, DELETE and TRUNCATE to the gateway role, whatever its settings", async () => {
      await app.query("begin");
      await app.query("select set_config('app.all_tenants', 'on', true)");
      await expect(app.query("update audit_log set data = '{}'")).rejects.toThrow(/permission denied/);
      await app.query("rollback");
      await expect(app.query("delete from audit_log")).rejects.toThrow(/permission denied/);
      await expect(app.query("truncate audit_log")).rejects.toThrow(/permission denied/);
      expect((await store.audit.scan({}, 100)).length).toBe(4);
    });

    it("refuses changes to the owner too while the triggers are in place", async () => {
      await owner.query("begin");
      await owner.query("select set_config('app.all_tenants', 'on', true)");
      await expect(owner.query("update audit_log set data = '{}' where seq = 1")).rejects.toThrow(
        /append-only/,
      );
      await owner.query("rollback");
    });

    it("shows an unscoped session nothing, a tenant-scoped one only its tenant's records", async () => {
      const rows = async () =>
        (await app.query<{ seq: string }>("select seq from audit_log order by seq")).rows;
      expect(await rows()).toEqual([]);
      await app.query("begin");
      await app.query("select set_config('app.tenant_id', 'acme', true)");
      expect((await rows()).map((r) => Number(r.seq))).toEqual([1, 4]);
      await app.query("rollback");
    });

    it("lets only the writer's scope insert", async () => {
      const insert =
        "insert into audit_log (chain, seq, prev_hash, hash, time, actor, action, tenant_id, data) values ('x', 1, 'p', 'h', 't', 'a', 'b', 'acme', '{}')";
      await app.query("begin");
      await app.query("select set_config('app.tenant_id', 'acme', true)");
      await expect(app.query(insert)).rejects.toThrow(/row-level security/);
      await app.query("rollback");
    });
  },
);
