import { randomBytes } from "node:crypto";
import pg from "pg";
import { unavailable } from "./env.js";

/**
 * Real PostgreSQL for tests: the machine's server (TOLLGATE_TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/test). Each suite gets a throwaway database.
 */
export const PG_ADMIN_URL = process.env.TOLLGATE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresAvailable: boolean = await reachable(PG_ADMIN_URL);
if (!postgresAvailable) unavailable("PostgreSQL", `${PG_ADMIN_URL} does not answer`);

/** Creates an empty database and returns its URL and a function that drops it. */
export async function throwawayDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tollgate_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * A login role that owns nothing and is no superuser (row-level security applies to it), for a
 * gateway's runtime connection; `url` is `dbUrl` as that role. Drop it after the database.
 */
export async function throwawayRole(
  dbUrl: string,
): Promise<{ role: string; url: string; drop: () => Promise<void> }> {
  const role = `tollgate_app_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create role ${role} login password 'app' nosuperuser nobypassrls`);
  await admin.end();
  const url = new URL(dbUrl);
  url.username = role;
  url.password = "app";
  return {
    role,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop role if exists ${role}`);
      await c.end();
    },
  };
}
