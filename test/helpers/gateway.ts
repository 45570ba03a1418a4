import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/app.js";
import { createApiKey } from "../../src/auth/key-service.js";
import { parseConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { startSimulator, type RunningSim, type SimOptions } from "../../src/sim/server.js";
import type { UsageEvent } from "../../src/usage/usage-event.js";

export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly sim: RunningSim;
  readonly events: UsageEvent[];
  /** A fresh key for a tenant, made through the store like `tollgate keys create`. */
  key(tenant: string): Promise<string>;
  client(key: string): OpenAI;
  close(): Promise<void>;
}

/** Three tenants like the seed's, two chat models and one embedding model on one simulator. */
export function testConfigYaml(simUrl: string, dbPath: string, extra = ""): string {
  return `
storage: sqlite://${dbPath}
log: { level: silent }
server: { body_limit: 65536, upstream_headers_timeout_ms: 2000, upstream_idle_timeout_ms: 2000 }
models:
  llama-3.1-70b:
    served_model: meta-llama/Llama-3.1-70B-Instruct
    upstreams: ["${simUrl}"]
    pricing: { input_per_1k: 0.004, output_per_1k: 0.012, cached_input_per_1k: 0.002 }
  llama-3.1-8b:
    served_model: meta-llama/Llama-3.1-8B-Instruct
    upstreams: ["${simUrl}/v1"]
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015, cached_input_per_1k: 0.00025 }
  nomic-embed-text:
    kind: embedding
    served_model: nomic-embed-text
    upstreams: ["${simUrl}"]
    pricing: { input_per_1k: 0.0001 }
tenants:
  acme-corp:
    tier: enterprise
    models_allowed: [llama-3.1-70b, llama-3.1-8b, nomic-embed-text]
    priority: high
  startup-xyz:
    tier: standard
    models_allowed: [llama-3.1-8b, nomic-embed-text]
  internal-dev:
    tier: free
    models_allowed: [llama-3.1-8b]
${extra}`;
}

export async function startTestGateway(
  options: {
    sim?: Partial<SimOptions>;
    extraYaml?: string;
    mutate?: (c: Config) => void;
    gateway?: GatewayOptions;
  } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-test-"));
  const sim = await startSimulator({
    models: ["meta-llama/Llama-3.1-70B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"],
    embeddingModels: ["nomic-embed-text"],
    ...options.sim,
  });
  const config = parseConfig(testConfigYaml(sim.url, join(dir, "t.db"), options.extraYaml), "test.yaml", {});
  options.mutate?.(config);
  const events: UsageEvent[] = [];
  const gateway = await createGateway(config, {
    processMetrics: false,
    sinks: [{ record: (e) => events.push(e) }],
    ...options.gateway,
  });
  const url = await gateway.listen(0, "127.0.0.1");
  return {
    gateway,
    url,
    sim,
    events,
    key: async (tenant) => (await createApiKey(gateway.store.keys, tenant)).key,
    client: (key) => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 }),
    async close() {
      await gateway.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls until `check` holds (or fails after `ms`): for effects that settle asynchronously.
 * `step` runs before each check (e.g. a request to retry).
 */
export async function eventually(check: () => boolean, ms = 3000, step?: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    await step?.();
    if (check()) return;
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, step ? 100 : 10));
  }
}
