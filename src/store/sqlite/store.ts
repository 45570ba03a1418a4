import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { openSqlite } from "./driver.js";
import { Kysely, SqliteDialect } from "kysely";
import { cachingDatabase } from "./statement-cache.js";
import { SqlStore } from "../sql/sql-store.js";
import type { Database } from "../sql/schema.js";

/**
 * Opens (creating if needed) a SQLite store in WAL mode. `path` may be ":memory:".
 *
 * Two connections write to the file: this one and the store-writes thread's. Kysely begins SQLite
 * transactions deferred, so a transaction that writes must write first: SQLite then waits for the
 * other writer (busy_timeout) and starts from a fresh snapshot. One that reads and then writes fails
 * at once with SQLITE_BUSY_SNAPSHOT if the other connection committed in between (checked with two
 * threads on better-sqlite3). Every write transaction of src/store/sql begins with its write.
 */
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
