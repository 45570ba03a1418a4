import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from "kysely";
import type { SqliteDatabase } from "./driver.js";

type Statement = ReturnType<SqliteDatabase["prepare"]>;

/**
 * The connection as Kysely's SQLite dialect sees it, with prepared statements reused by SQL text.
 * Kysely prepares every query it runs; SQLite's parsing and planning is then a large part of a small
 * query's cost (a batch insert of 50 events has 1,400 parameters). Statements are kept in least
 * recently used order, at most `size`; a statement still being iterated (a streamed query) is not
 * shared: the query gets a fresh one.
 */
export function cachingDatabase(db: SqliteDatabase, size = 200): KyselySqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit !== undefined && !hit.busy) {
        cache.delete(sql);
        cache.set(sql, hit); // most recently used last
        return hit;
      }
      const stmt = db.prepare(sql);
      if (hit === undefined) {
        cache.set(sql, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}
