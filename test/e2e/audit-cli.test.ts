import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/store/sqlite/driver.js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditTrail } from "../../src/audit/audit-trail.js";
import type { AuditEntry } from "../../src/audit/chain.js";
import { ChainWriter } from "../../src/audit/chain-writer.js";
import { migrateStorage, openStore } from "../../src/store/open.js";
import { MemoryJournal } from "../../src/usage/journal/memory-journal.js";
import { runCli } from "../helpers/cli.js";
import { postgresAvailable, throwawayDatabase, throwawayRole } from "../helpers/postgres.js";

const entry = (i: number): AuditEntry => ({
  time: new Date(Date.UTC(2026, 10, 25, 10, 0, i)).toISOString(),
  actor: i % 2 === 0 ? "admin:root" : "key:k1",
  action: i % 2 === 0 ? "tenant.update" : "inference",
  tenant: i % 3 === 0 ? "globex" : "acme",
  target: null,
  sourceIp: null,
  data: { n: i },
});

/** Direct SQL on the database, as someone with its files or its owner's password would run it. */
interface Tamperer {
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}

interface Setup {
  storage: string;
  storageAdmin?: string;
  tamperer(): Promise<Tamperer>;
  cleanup(): Promise<void>;
}

const setups: { name: string; available: boolean; make: (dir: string) => Promise<Setup> }[] = [
  {
    name: "sqlite",
    available: true,
    make: async (dir) => ({
      storage: `sqlite://${join(dir, "t.db")}`,
      async tamperer() {
        const db = openSqlite(join(dir, "t.db"));
        db.exec("drop trigger audit_log_no_update; drop trigger audit_log_no_delete");
        return {
          run: async (sql) => void db.exec(sql),
          close: async () => void db.close(),
        };
      },
      cleanup: async () => undefined,
    }),
  },
  {
    name: "postgres",
    available: postgresAvailable,
    make: async () => {
      const db = await throwawayDatabase();
      const role = await throwawayRole(db.url);
      return {
        storage: role.url,
        storageAdmin: db.url,
        async tamperer() {
          const c = new pg.Client({ connectionString: db.url }); // the superuser: RLS does not bind it
          await c.connect();
          await c.query("alter table audit_log disable trigger user");
          return { run: async (sql) => void (await c.query(sql)), close: () => c.end() };
        },
        cleanup: async () => {
          await db.drop();
          await role.drop();
        },
      };
    },
  },
];

// The tamper test: records changed directly in the database are each reported by `tollgate audit verify`.
describe.each(setups)("tollgate audit verify / export: $name", ({ available, make }) => {
  let dir: string;
  let setup: Setup;
  let config: string;
  const cli = (...args: string[]) => runCli(["audit", ...args, "--config", config]);

  beforeAll(async () => {
    if (!available) return;
    dir = mkdtempSync(join(tmpdir(), "tollgate-audit-cli-"));
    setup = await make(dir);
    config = join(dir, "tollgate.yaml");
    writeFileSync(
      config,
      `storage: "${setup.storage}"\n${setup.storageAdmin ? `storage_admin: "${setup.storageAdmin}"\n` : ""}` +
        `models: { m: { upstreams: ["http://127.0.0.1:9"], pricing: free } }\ntenants: {}\n`,
    );
    const store = openStore(setup.storage);
    await migrateStorage({ storage: setup.storage, storage_admin: setup.storageAdmin }, store);
    for (const chain of ["replica-a", "replica-b"]) {
      const trail = new AuditTrail({
        journal: new MemoryJournal(),
        writer: new ChainWriter(chain, store.audit, { continueChain: false }),
        batchSize: 7, // several batches per chain
        batchIntervalMs: 0,
        drainTimeoutMs: 5000,
      });
      trail.start();
      for (let i = 1; i <= 20; i++) trail.record(entry(i));
      await trail.close();
    }
    await store.close();
  });
  afterAll(async () => {
    await setup?.cleanup();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!available)("passes intact chains, and a full export verifies offline", async () => {
    const ok = await cli("verify");
    expect(ok.stdout).toContain("40 records in 2 chains");
    expect(ok.stdout).toContain("OK");
    expect(ok.code).toBe(0);
    const anchors = await cli("verify", "--json");
    writeFileSync(join(dir, "anchors.json"), anchors.stdout);
    expect(JSON.parse(anchors.stdout)).toMatchObject({
      ok: true,
      records: 40,
      chains: { "replica-a": { seq: 20 } },
    });
    const exported = await cli("export", "--output", join(dir, "all.jsonl"));
    expect(exported.code).toBe(0);
    expect(readFileSync(join(dir, "all.jsonl"), "utf8").trim().split("\n")).toHaveLength(40);
    const offline = await runCli(["audit", "verify", "--file", join(dir, "all.jsonl")]);
    expect([offline.code, offline.stdout]).toEqual([0, expect.stringContaining("OK") as unknown]);
    const tenant = await cli("export", "--tenant", "globex");
    const lines = tenant.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { tenant: string });
    expect(lines.length).toBe(12);
    expect(lines.every((r) => r.tenant === "globex")).toBe(true);
  });

  it.skipIf(!available)("reports an edited, a removed and reordered records, each, and exits 1", async () => {
    const db = await setup.tamperer();
    try {
      await db.run(`update audit_log set data = '{"n":500}' where chain = 'replica-a' and seq = 5`);
      await db.run(`delete from audit_log where chain = 'replica-a' and seq = 9`);
      await db.run(`update audit_log set seq = -1 where chain = 'replica-a' and seq = 12`);
      await db.run(`update audit_log set seq = 12 where chain = 'replica-a' and seq = 13`);
      await db.run(`update audit_log set seq = 13 where chain = 'replica-a' and seq = -1`);
      await db.run(`delete from audit_log where chain = 'replica-b' and seq >= 19`); // a truncated tail
    } finally {
      await db.close();
    }
    const res = await cli("verify", "--json");
    expect(res.code).toBe(1);
    const { ok, problems } = JSON.parse(res.stdout) as {
      ok: boolean;
      problems: { chain: string; seq: number; problem: string }[];
    };
    expect(ok).toBe(false);
    expect(problems.map((p) => [p.chain, p.seq, p.problem])).toEqual([
      ["replica-a", 5, "edited"],
      ["replica-a", 9, "missing"],
      ["replica-a", 12, "reordered"],
      ["replica-a", 13, "reordered"],
    ]);
    // a removed tail leaves no trace in the chain itself: earlier anchors show it
    const anchored = await cli("verify", "--anchors", join(dir, "anchors.json"));
    expect(anchored.code).toBe(1);
    expect(anchored.stdout).toMatch(/replica-b\s+20\s+truncated/);
    const table = await cli("verify");
    expect(table.stdout).toMatch(/FAILED: 4 problems/);
  });
});
