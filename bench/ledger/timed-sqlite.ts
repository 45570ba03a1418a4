/**
 * The SQLite store exactly as src/store/sqlite/store.ts opens it (WAL, synchronous = NORMAL,
 * busy_timeout), with every statement's synchronous run time recorded: better-sqlite3 runs each
 * statement (prepare included) on the event loop, so these durations are how long a gateway's event
 * loop is blocked by each one. Statements are grouped by kind (begin, insert events, upsert rollups,
 * commit — where WAL checkpoints happen —, other).
 */
import { openSqlite, type SqliteDatabase as BetterSqliteDatabase } from "../../src/store/sqlite/driver.js";
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from "kysely";
import { SqlStore } from "../../src/store/sql/sql-store.js";
import type { Database } from "../../src/store/sql/schema.js";

export type StatementKind = "begin" | "insert usage_events" | "upsert usage_records" | "commit" | "other";

export class StatementTimes {
  readonly samples = new Map<StatementKind, number[]>();
  enabled = true;

  add(kind: StatementKind, ms: number): void {
    if (!this.enabled) return;
    const list = this.samples.get(kind);
    if (list === undefined) this.samples.set(kind, [ms]);
    else list.push(ms);
  }

  clear(): void {
    this.samples.clear();
  }

  /** The longest single statement recorded. */
  max(): number {
    let m = 0;
    for (const list of this.samples.values()) for (const v of list) m = Math.max(m, v);
    return m;
  }
}

function kindOf(sql: string): StatementKind {
  const s = sql.trimStart().slice(0, 40).toLowerCase();
  if (s.startsWith("begin")) return "begin";
  if (s.startsWith("commit")) return "commit";
  if (s.startsWith('insert into "usage_events"')) return "insert usage_events";
  if (s.startsWith('insert into "usage_records"')) return "upsert usage_records";
  return "other";
}

function timedDatabase(db: BetterSqliteDatabase, times: StatementTimes): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const t0 = performance.now();
      const stmt = db.prepare(sql);
      const prepareMs = performance.now() - t0;
      const kind = kindOf(sql);
      const timed = <R>(fn: () => R): R => {
        const t1 = performance.now();
        try {
          return fn();
        } finally {
          times.add(kind, prepareMs + performance.now() - t1);
        }
      };
      return {
        reader: stmt.reader,
        all: (params) => timed(() => stmt.all(params)),
        run: (params) => timed(() => stmt.run(params)),
        iterate: (params) => stmt.iterate(params),
      };
    },
  };
}

/** Same pragmas as openSqliteStore (src/store/sqlite/store.ts; keep them in step), then `extra` ones (comparison runs). */
export function openTimedSqliteStore(
  path: string,
  times: StatementTimes,
  extra: readonly string[] = [],
): SqlStore {
  const sqlite = openSqlite(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  for (const p of extra) sqlite.pragma(p);
  return new SqlStore(
    new Kysely<Database>({ dialect: new SqliteDialect({ database: timedDatabase(sqlite, times) }) }),
  );
}
