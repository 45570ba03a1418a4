import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLimiter } from "../../src/admission/redis/limiter.js";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { startSimulator, type RunningSim } from "../../src/sim/server.js";
import { costMicros, priceFromConfig } from "../../src/usage/pricing.js";
import { countChatTokens } from "../../src/usage/tokens.js";
import { spawnGateway, type GatewayProcess } from "../helpers/processes.js";
import { deleteKeys, REDIS_URL, redisAvailable } from "../helpers/redis.js";

const KEY_A = "replica-test-key-a";
const KEY_B = "replica-test-key-b";
const BUDGET_USD = 0.005; // 5,000 µ$
const MAX_TOKENS = 40;
const MESSAGES = [{ role: "user", content: "Summarise the quarterly report" }];

// Two gateway processes share one Redis (the machine's) and one simulator.
describe.skipIf(!redisAvailable)("two replicas sharing Redis", () => {
  const prefix = `tgtest:${randomBytes(4).toString("hex")}:`;
  let dir: string;
  let sim: RunningSim;
  let gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-replicas-"));
    sim = await startSimulator({ models: ["llama-3.1-8b"], ttftMs: 40, itlMs: 1 });
    const config = `
storage: sqlite://${join(dir, "REPLICA.db")}
log: { level: warn }
limits: { store: "${REDIS_URL}", key_prefix: "${prefix}", replicas: 2 }
models:
  llama-3.1-8b:
    upstreams: ["${sim.url}"]
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015 }
tenants:
  busy:
    tier: free
    models_allowed: [llama-3.1-8b]
    rate_limits: { concurrent_requests: 10 }
    api_keys: [{ sha256: ${hashApiKey(KEY_A)} }]
  thrifty:
    tier: free
    models_allowed: [llama-3.1-8b]
    budget: { daily_limit_usd: ${BUDGET_USD} }
    api_keys: [{ sha256: ${hashApiKey(KEY_B)} }]
`;
    for (const name of ["one", "two"]) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, config.replace("REPLICA", name));
      gateways.push(await spawnGateway(file));
    }
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    gateways = [];
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
    await deleteKeys(REDIS_URL, `${prefix}*`);
  });

  const send = (i: number, key: string) =>
    fetch(`${gateways[i % 2]!.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "llama-3.1-8b", messages: MESSAGES, max_tokens: MAX_TOKENS }),
    }).then(async (r) => ({ status: r.status, body: await r.text() }));

  it("never lets the engine run more than the tenant's concurrency limit, across both replicas", async () => {
    sim.resetStats();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => send(i, KEY_A)));
    const ok = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429).length;
    expect(ok + limited).toBe(300);
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(sim.stats().maxRunning).toBeLessThanOrEqual(10);
  });

  it("keeps settled spend within the daily budget, refusing only when less than one worst case remains", async () => {
    const worst = costMicros(priceFromConfig({ input_per_1k: 0.0005, output_per_1k: 0.0015 }), {
      input: Math.ceil(countChatTokens(MESSAGES) * 1.1),
      output: MAX_TOKENS,
      cached: 0,
    });
    const limiter = new RedisLimiter({ url: REDIS_URL, keyPrefix: prefix });
    try {
      // a concurrent burst over both replicas first…
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => send(i, KEY_B)));
      expect(burst.every((r) => r.status === 200 || r.status === 402)).toBe(true);
      // …then one at a time, alternating replicas, until refused
      let i = 0;
      let last = { status: 200, body: "" };
      while (last.status === 200 && i < 500) last = await send(i++, KEY_B);
      expect(last.status).toBe(402);
      const spent = (await limiter.usage("tenant:thrifty", Date.now())).dailyMicros;
      const budget = BUDGET_USD * 1_000_000;
      expect(spent).toBeLessThanOrEqual(budget);
      expect(budget - spent).toBeLessThan(worst);
    } finally {
      await limiter.close();
    }
  });
});
