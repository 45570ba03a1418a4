import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { SqlStore } from "../sql/sql-store.js";
import type { Database } from "../sql/schema.js";

export interface PostgresOptions {
  readonly poolSize?: number;
}

/** Opens a PostgreSQL store over a node-postgres pool. */
export function openPostgresStore(url: string, options: PostgresOptions = {}): SqlStore {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  return new SqlStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }));
}
