/**
 * bench/admission: what admission control costs.
 *
 *   npm run build && node --import ./scripts/ts-register.js bench/admission/run.ts [--quick]
 *
 * 1. Per request, in process: one admit + one settle with every limit on (rpm, tpm, concurrency,
 *    daily/monthly tokens and USD), for the memory adapter and the Redis adapter (the machine's
 *    Redis on loopback, db 15, keys removed afterwards).
 * 2. End to end: the same open-loop load (500 and 1000 small chats/s) straight to the simulator and
 *    through three gateways — no limits (the core), all limits in memory, all limits in Redis — in
 *    one run, gateway pinned to CPU 0 as in bench/overhead.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { MemoryLimiter } from "../../src/admission/memory/limiter.js";
import { RedisLimiter } from "../../src/admission/redis/limiter.js";
import { createTarget, openLoop } from "../overhead/load.js";
import { describeMachine, hasTaskset } from "../overhead/machine.js";
import { startService, type Service } from "../overhead/processes.js";
import { ms, table } from "../overhead/stats.js";
import { measureLimiter } from "./micro.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "bin/tollgate.js");
const REDIS_URL = process.env.TOLLGATE_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/15";
const { values: flags } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const N = flags.quick ? 2_000 : 20_000;
const DURATION_S = flags.quick ? 3 : 10;
const RATES = flags.quick ? [500] : [500, 1000];

async function micro(): Promise<string> {
  const memory = await measureLimiter(new MemoryLimiter(), N, 2_000);
  const prefix = `tgbench:${randomBytes(4).toString("hex")}:`;
  const redisLimiter = new RedisLimiter({ url: REDIS_URL, keyPrefix: prefix });
  const redis = await measureLimiter(redisLimiter, N, 2_000);
  await redisLimiter.close();
  await cleanup(prefix);
  const ping = await redisPing();
  const row = (name: string, r: typeof memory) => [
    name,
    ms(r.admit.p50 * 1000),
    ms(r.admit.p99 * 1000),
    ms(r.settle.p50 * 1000),
    ms(r.settle.p99 * 1000),
    r.opsPerSecond.toFixed(0),
  ];
  return [
    `Per request, all limits on, ${N} sequential admit + settle pairs (µs):`,
    "",
    table(
      ["adapter", "admit p50", "admit p99", "settle p50", "settle p99", "pairs/s"],
      [row("memory", memory), row("redis (loopback)", redis)],
    ),
    "",
    `Redis PING round trip on this machine: p50 ${ms(ping.p50 * 1000)} µs, p99 ${ms(ping.p99 * 1000)} µs.`,
  ].join("\n");
}

async function redisPing() {
  const client = new Redis(REDIS_URL);
  const samples: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const t0 = performance.now();
    await client.ping();
    samples.push(performance.now() - t0);
  }
  client.disconnect();
  const { summarize } = await import("../overhead/stats.js");
  return summarize(samples);
}

async function cleanup(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  client.disconnect();
}

function gatewayConfig(
  dir: string,
  name: string,
  simUrl: string,
  limits: "none" | "memory" | "redis",
  prefix: string,
): string {
  const key = "bench-admission-key";
  const tenantLimits =
    limits === "none"
      ? ""
      : `
    rate_limits: { requests_per_minute: 100000000, tokens_per_minute: 100000000000, concurrent_requests: 100000 }
    budget: { daily_limit_usd: 1000000000, monthly_limit_usd: 1000000000, alert_threshold_percent: 99 }
    daily_token_limit: 1000000000000
    monthly_token_limit: 1000000000000`;
  const yaml = `# Written by bench/admission/run.ts
server: { host: 127.0.0.1, port: 0 }
storage: sqlite://${join(dir, `${name}.db`)}
log: { level: warn }
limits: { store: "${limits === "redis" ? REDIS_URL : "memory"}", key_prefix: "${prefix}" }
models:
  bench-chat:
    upstreams: [${simUrl}]
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015 }
tenants:
  bench:
    tier: bench
    models_allowed: [bench-chat]${tenantLimits}
    api_keys: [{ sha256: ${createHash("sha256").update(key).digest("hex")} }]
`;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

async function endToEnd(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-bench-admission-"));
  const pinned = hasTaskset();
  const prefix = `tgbench:${randomBytes(4).toString("hex")}:`;
  const services: Service[] = [];
  try {
    const sim = await startService(
      "sim",
      [BIN, "sim", "--port", "0", "--model", "bench-chat"],
      pinned ? "1" : null,
    );
    services.push(sim);
    const variants = ["none", "memory", "redis"] as const;
    const rows: string[][] = [];
    for (const rate of RATES) {
      const direct = await openLoop(createTarget("direct", sim.url, "bench-chat"), rate, DURATION_S);
      rows.push([
        `${rate}/s`,
        "direct",
        ms(direct.latency.p50),
        ms(direct.latency.p99),
        "-",
        "-",
        String(direct.errors),
      ]);
      for (const v of variants) {
        const gw = await startService(
          `gw-${v}`,
          [BIN, "serve", "--config", gatewayConfig(dir, v, sim.url, v, prefix)],
          pinned ? "0" : null,
        );
        const target = createTarget("gateway", gw.url, "bench-chat", {
          authorization: "Bearer bench-admission-key",
        });
        await openLoop(target, rate, 2); // warm-up
        const r = await openLoop(target, rate, DURATION_S);
        await target.pool.close();
        await gw.stop();
        rows.push([
          `${rate}/s`,
          v === "none" ? "gateway, no limits" : `gateway, all limits (${v})`,
          ms(r.latency.p50),
          ms(r.latency.p99),
          ms(r.latency.p50 - direct.latency.p50),
          ms(r.latency.p99 - direct.latency.p99),
          String(r.errors),
        ]);
      }
    }
    return [
      `End to end, open loop ${DURATION_S} s per run, small non-streaming chat (ms):`,
      "",
      table(["rate", "path", "p50", "p99", "added p50", "added p99", "errors"], rows),
    ].join("\n");
  } finally {
    for (const s of services.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
    await cleanup(prefix);
  }
}

const machine = describeMachine(hasTaskset());
const report = [
  `bench/admission — ${new Date().toISOString()}`,
  `Machine: ${JSON.stringify(machine)}`,
  "",
  await micro(),
  "",
  await endToEnd(),
].join("\n");
console.log(report);
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(join(ROOT, `bench/results/admission-${new Date().toISOString().slice(0, 10)}.txt`), report);
