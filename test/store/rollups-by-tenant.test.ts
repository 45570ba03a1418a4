import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migrationProvider } from "../../src/store/migrations/index.js";
import { openStore } from "../../src/store/open.js";
import { openSqlite } from "../../src/store/sqlite/driver.js";

const dir = mkdtempSync(join(tmpdir(), "tollgate-rollups-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("migration 008 (SQLite): hourly rollups stored by tenant", () => {
  it("keeps every rollup row of a store made before it, in a table ordered by its primary key", async () => {
    const file = join(dir, "before-008.db");
    // A store as release 007 left it, with a rollup row in it.
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqlite(file) }) });
    const all = await migrationProvider.getMigrations();
    const upTo007 = Object.fromEntries(Object.entries(all).filter(([name]) => name < "008"));
    const { error } = await new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(upTo007) },
      allowUnorderedMigrations: true,
    }).migrateToLatest();
    expect(error).toBeUndefined();
    await sql`insert into usage_records values
      ('acme', '2026-11-25T10:00:00.000Z', 'm', 150, 75, 600, 3, 1, 30, 20, 5, 4200)`.execute(db);
    await db.destroy();

    const store = openStore(`sqlite://${file}`);
    await store.migrate();
    const [totals] = await store.ledger.totals({
      tenantId: "acme",
      from: new Date("2026-11-01T00:00:00Z"),
      to: new Date("2026-12-01T00:00:00Z"),
      by: [],
    });
    expect(totals).toMatchObject({ requests: 3, inputTokens: 30, outputTokens: 20, costMicros: 4200 });
    await store.close();

    const raw = openSqlite(file, { readonly: true });
    const table = raw.prepare("select sql from sqlite_master where name = 'usage_records'").get() as {
      sql: string;
    };
    raw.close();
    expect(table.sql.toLowerCase()).toContain("without rowid");
  });
});
