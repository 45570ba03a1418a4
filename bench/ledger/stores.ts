/**
 * The stores bench/ledger measures: a SQLite file in a temporary directory (WAL, as the gateway opens
 * it), and a throwaway PostgreSQL database on the machine's server with a non-owner runtime role, so
 * that row-level security applies as in production (docs/postgres.md). Both are dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { migrateStorage, openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import { processCpuSeconds } from "../overhead/machine.js";

/** The machine's PostgreSQL (the tests' server), as a superuser that may create databases and roles. */
export const PG_URL = process.env.TOLLGATE_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type BackendName = "sqlite" | "postgres";

export interface BenchStore {
  readonly backend: BackendName;
  /** The `storage:` URL the gateway would use (on PostgreSQL the runtime role's). */
  readonly url: string;
  /** PostgreSQL: the owner's URL (`storage_admin`); SQLite: the same file. */
  readonly adminUrl: string;
  /** SQLite: the database file. */
  readonly file: string | null;
  readonly dir: string;
  /** Opens (and migrates) a store on it; the caller closes it. */
  open(): Promise<Store>;
  /**
   * PostgreSQL: CPU seconds used so far by the server processes serving this database (a backend that
   * exited counts with its last reading); SQLite: 0.
   */
  serverCpuSeconds(): Promise<number>;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export function sqliteStore(label: string): BenchStore {
  const dir = mkdtempSync(join(tmpdir(), `tollgate-bench-ledger-${label}-`));
  const file = join(dir, "ledger.db");
  const url = `sqlite://${file}`;
  return {
    backend: "sqlite",
    url,
    adminUrl: url,
    file,
    dir,
    async open() {
      const store = openStore(url);
      await store.migrate();
      return store;
    },
    serverCpuSeconds: () => Promise.resolve(0),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A throwaway database (migrated by its owner) and a login role without ownership or BYPASSRLS. */
export async function postgresStore(label: string, poolSize = 10): Promise<BenchStore> {
  const suffix = randomBytes(5).toString("hex");
  const db = `tollgate_bench_${label}_${suffix}`;
  const role = `tollgate_bench_app_${suffix}`;
  await withClient(PG_URL, async (c) => {
    await c.query(`create database ${db}`);
    await c.query(`create role ${role} login password 'bench' nosuperuser nobypassrls`);
  });
  const admin = new URL(PG_URL);
  admin.pathname = `/${db}`;
  const app = new URL(admin);
  app.username = role;
  app.password = "bench";
  const dir = mkdtempSync(join(tmpdir(), `tollgate-bench-ledger-${label}-`));
  let migrated = false;
  const seen = new Map<number, number>(); // backend pid -> CPU seconds last read (kept after it exits)
  return {
    backend: "postgres",
    url: app.toString(),
    adminUrl: admin.toString(),
    file: null,
    dir,
    async open() {
      const store = openStore(app.toString(), { poolSize });
      if (!migrated) {
        await migrateStorage({ storage: app.toString(), storage_admin: admin.toString() }, store);
        migrated = true;
      }
      return store;
    },
    async serverCpuSeconds() {
      const pids = await withClient(PG_URL, async (c) => {
        const { rows } = await c.query<{ pid: number }>(
          "select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
          [db],
        );
        return rows.map((r) => r.pid);
      });
      for (const pid of pids) seen.set(pid, Math.max(seen.get(pid) ?? 0, processCpuSeconds(pid)));
      let total = 0;
      for (const v of seen.values()) total += v;
      return total;
    },
    async drop() {
      await withClient(PG_URL, async (c) => {
        await c.query(`drop database if exists ${db} with (force)`);
        await c.query(`drop role if exists ${role}`);
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function openBenchStore(backend: BackendName, label: string): Promise<BenchStore> {
  return backend === "sqlite" ? Promise.resolve(sqliteStore(label)) : postgresStore(label);
}

export async function postgresReachable(): Promise<string | null> {
  try {
    return await withClient(PG_URL, async (c) => {
      const { rows } = await c.query<{ v: string }>("select current_setting('server_version') as v");
      return rows[0]?.v ?? "?";
    });
  } catch {
    return null;
  }
}

/** Runs `fn` with a client connected as the database owner (superuser: RLS does not apply). */
export function asOwner<T>(store: BenchStore, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return withClient(store.adminUrl, fn);
}
