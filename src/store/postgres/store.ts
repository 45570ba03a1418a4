import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { SqlStore } from "../sql/sql-store.js";
import type { Database } from "../sql/schema.js";
import { grantAppRole } from "./grants.js";

export interface PostgresOptions {
  readonly poolSize?: number;
  /** Client-side bound on one query, so a silently dropped connection cannot stall a writer forever. */
  readonly queryTimeoutMs?: number;
}

/** Opens a PostgreSQL store over a node-postgres pool; tenant-scoped tables are under RLS. */
export function openPostgresStore(url: string, options: PostgresOptions = {}): SqlStore {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    query_timeout: options.queryTimeoutMs ?? 60_000,
    keepAlive: true,
  });
  // An idle connection that breaks (server restart, network cut) must not crash the process: the pool
  // drops it and the next query opens a new one.
  pool.on("error", () => undefined);
  // node-postgres leaves a checked-out client's errors to its user: a connection that dies while
  // Kysely holds it (mid-transaction) would otherwise be an uncaught exception. Its queries fail, and
  // the pool discards it when it is released.
  pool.on("connect", (client) => client.on("error", () => undefined));
  return new SqlStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), {
    rls: true,
    grant: grantAppRole,
  });
}
