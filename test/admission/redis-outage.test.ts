import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import type { AdmitRequest } from "../../src/admission/limiter.js";
import { RedisLimiter } from "../../src/admission/redis/limiter.js";

// Same rule as test/helpers/services.ts (not imported: it would also require PostgreSQL).
const REQUIRE_SERVICES = process.env.CI === "true" || process.env.TOLLGATE_REQUIRE_SERVICES === "1";
const redisServerBinary = spawnSync("redis-server", ["--version"]).status === 0;
if (!redisServerBinary && !REQUIRE_SERVICES) {
  console.warn("\n*** SKIPPING the Redis restart test: no redis-server binary on PATH ***\n");
}

/** Generous sanity bound: a dead Redis must answer with an error, never hang the gateway. */
const FAST_MS = 2_000;
let seq = 0;
const request = (): AdmitRequest => ({
  id: `outage-${++seq}`,
  now: Date.now(),
  scopes: [{ scope: "tenant:outage", requestsPerMinute: 1_000, concurrentRequests: 100 }],
  estimate: { tokens: 10, micros: 10 },
  leaseTtlMs: 30_000,
});

async function rejectsFast(limiter: RedisLimiter): Promise<void> {
  const started = performance.now();
  await expect(limiter.admit(request())).rejects.toThrow();
  expect(performance.now() - started).toBeLessThan(FAST_MS);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmpdir()],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => resolve(true)).on("error", () => resolve(false));
      socket.unref();
      setTimeout(() => socket.destroy(), 200);
    });
    if (ok) return child;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("redis-server did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

describe("RedisLimiter when Redis is down", () => {
  let limiter: RedisLimiter | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    await limiter?.close();
    await stop(child);
    limiter = child = undefined;
  });

  it("rejects quickly, without hanging, when nothing listens", async () => {
    limiter = new RedisLimiter({ url: "redis://127.0.0.1:1/0" });
    await rejectsFast(limiter); // during the first connection attempt
    await rejectsFast(limiter); // while reconnecting in the background
  });

  it.skipIf(!redisServerBinary && !REQUIRE_SERVICES)(
    "fails fast while Redis is gone and resumes on its own when it returns",
    async () => {
      if (!redisServerBinary) throw new Error("redis-server is required (CI=true) but not on PATH");
      const port = await freePort();
      child = await startRedis(port);
      limiter = new RedisLimiter({ url: `redis://127.0.0.1:${port}/3` });
      expect((await limiter.admit(request())).ok).toBe(true);

      await stop(child);
      await rejectsFast(limiter);
      await rejectsFast(limiter);

      child = await startRedis(port);
      const deadline = Date.now() + 15_000;
      let result = await limiter.admit(request()).catch(() => undefined);
      while (result === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        result = await limiter.admit(request()).catch(() => undefined);
      }
      expect(result?.ok).toBe(true);
    },
  );
});
