import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { startSimulator, type RunningSim } from "../../src/sim/server.js";
import { spawnGateway, type GatewayProcess } from "../helpers/processes.js";
import { deleteKeys, REDIS_URL, redisAvailable } from "../helpers/redis.js";

const KEYS = { heavy: "sched-replica-key-heavy", light: "sched-replica-key-light" };
const PER_TENANT = 36;

// Two gateway processes share one Redis (the machine's) and one simulator with max-num-seqs 4.
describe.skipIf(!redisAvailable)("fair scheduling across two replicas sharing Redis", () => {
  const prefix = `tgtest:${randomBytes(4).toString("hex")}:`;
  let dir: string;
  let sim: RunningSim;
  let gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-sched-replicas-"));
    sim = await startSimulator({ models: ["llama-3.1-8b"], maxNumSeqs: 4, ttftMs: 5, itlMs: 3 });
    const config = `
storage: sqlite://${join(dir, "REPLICA.db")}
log: { level: warn }
limits: { store: "${REDIS_URL}", key_prefix: "${prefix}", replicas: 2 }
models:
  llama-3.1-8b:
    upstreams: ["${sim.url}"]
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015 }
    max_num_seqs: 4
tenants:
  heavy:
    tier: standard
    models_allowed: [llama-3.1-8b]
    api_keys: [{ sha256: ${hashApiKey(KEYS.heavy)} }]
  light:
    tier: free
    models_allowed: [llama-3.1-8b]
    api_keys: [{ sha256: ${hashApiKey(KEYS.light)} }]
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

  const send = (i: number, tenant: keyof typeof KEYS) =>
    fetch(`${gateways[i % 2]!.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEYS[tenant]}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "llama-3.1-8b",
        messages: [{ role: "user", content: `${tenant} request ${i}` }],
        max_tokens: 16,
      }),
    }).then((r) => r.status);

  it("keeps the engine within 4 running and shares it 2:1 between backlogged tenants of weights 2 and 1", async () => {
    sim.resetStats();
    let peak = 0; // running + waiting at the engine, sampled: anything over 4 would queue there
    const sampler = setInterval(() => {
      const s = sim.stats();
      peak = Math.max(peak, s.running + s.waiting);
    }, 2);
    let statuses: number[];
    try {
      statuses = await Promise.all(
        Array.from({ length: PER_TENANT }, (_, i) => [send(i, "heavy"), send(i + 1, "light")]).flat(),
      );
    } finally {
      clearInterval(sampler);
    }
    expect(statuses).toEqual(Array(2 * PER_TENANT).fill(200));
    expect(sim.stats().maxRunning).toBe(4);
    expect(peak).toBeLessThanOrEqual(4);
    // Dispatch order at the engine; in the first 48 both tenants are still backlogged (2:1 → 32 + 16).
    const order = sim.received().map((r) => (JSON.stringify(r.body).includes("heavy") ? "heavy" : "light"));
    expect(order).toHaveLength(2 * PER_TENANT);
    const heavy = order.slice(0, 48).filter((t) => t === "heavy").length;
    expect(heavy).toBeGreaterThanOrEqual(28);
    expect(heavy).toBeLessThanOrEqual(36);
  });
});
