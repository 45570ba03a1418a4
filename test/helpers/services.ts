import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * Real PostgreSQL for tests: the machine's server (TOLLGATE_TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/test). Each suite gets a throwaway database.
 * Unreachable → the suite fails under CI=true, and is skipped loudly elsewhere.
 */
export const PG_ADMIN_URL = process.env.TOLLGATE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REQUIRE_SERVICES = process.env.CI === "true" || process.env.TOLLGATE_REQUIRE_SERVICES === "1";

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

export const postgresAvailable: boolean = await (async () => {
  const ok = await reachable(PG_ADMIN_URL);
  if (!ok && REQUIRE_SERVICES)
    throw new Error(`PostgreSQL is required (CI=true) but ${PG_ADMIN_URL} does not answer`);
  if (!ok) console.warn(`\n*** SKIPPING PostgreSQL tests: ${PG_ADMIN_URL} does not answer ***\n`);
  return ok;
})();

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

/** Real Redis for tests: TOLLGATE_TEST_REDIS_URL, default redis://127.0.0.1:6379/15. */
export const REDIS_URL = process.env.TOLLGATE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15";

export const redisAvailable: boolean = await (async () => {
  const { Redis } = await import("ioredis");
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  client.on("error", () => undefined);
  let ok = false;
  try {
    await client.connect();
    ok = (await client.ping()) === "PONG";
  } catch {
    ok = false;
  } finally {
    client.disconnect();
  }
  if (!ok && REQUIRE_SERVICES)
    throw new Error(`Redis is required (CI=true) but ${REDIS_URL} does not answer`);
  if (!ok) console.warn(`\n*** SKIPPING Redis tests: ${REDIS_URL} does not answer ***\n`);
  return ok;
})();
