import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

/**
 * The SQLite binding for this Node.js: better-sqlite3 13 (Node-API, prebuilt) on Node ≥ 22, and
 * better-sqlite3 12 on Node 20, where 13 does not run. Version 12 must not be used on Node ≥ 24.19:
 * its statements abort the process when garbage-collected there (node::ObjectWrap change).
 * Both are installed (13 under the alias `better-sqlite3-node22`); their APIs are the same.
 */
export type SqliteDatabase = BetterSqlite3.Database;
type SqliteConstructor = new (path: string, options?: BetterSqlite3.Options) => SqliteDatabase;

const require = createRequire(import.meta.url);
let constructor: SqliteConstructor | undefined;

export function sqliteBinding(): SqliteConstructor {
  if (constructor === undefined) {
    const major = Number(process.versions.node.split(".")[0]);
    constructor = require(major >= 22 ? "better-sqlite3-node22" : "better-sqlite3") as SqliteConstructor;
  }
  return constructor;
}

export function openSqlite(path: string, options?: BetterSqlite3.Options): SqliteDatabase {
  const Sqlite = sqliteBinding();
  return new Sqlite(path, options);
}
