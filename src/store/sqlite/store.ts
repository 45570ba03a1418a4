import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { openSqlite } from "./driver.js";
import { Kysely, SqliteDialect } from "kysely";
import { cachingDatabase } from "./statement-cache.js";
import { SqlStore } from "../sql/sql-store.js";
import type { Database } from "../sql/schema.js";

/** Opens (creating if needed) a SQLite store in WAL mode. `path` may be ":memory:". */
export function openSqliteStore(path: string): SqlStore {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = openSqlite(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  return new SqlStore(
    new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }) }),
  );
}
