import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../../src/config/load.js";

const MODELS = `
models:
  llama-3.1-70b: { upstreams: ["http://vllm:8000"], pricing: { input_per_1k: 0.004, output_per_1k: 0.012 } }
  llama-3.1-8b: { upstreams: ["http://vllm:8001"], pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015 } }
  nomic-embed-text: { kind: embedding, upstreams: ["http://embed:8000"], pricing: { input_per_1k: 0.0001 } }
`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, "t.yaml", env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe("configuration", () => {
  it("accepts the seed's tenant-quotas ConfigMap exactly as it is", () => {
    // examples/quotas.yaml is the seed's ConfigMap data verbatim (shared/seeds/quotas.yaml), with a comment on top
    const seed = readFileSync("examples/quotas.yaml", "utf8");
    const config = parseConfig(MODELS + seed, "seed.yaml", {});
    expect(Object.keys(config.tenants)).toEqual(["acme-corp", "startup-xyz", "internal-dev"]);
    expect(config.tenants["acme-corp"]).toMatchObject({
      tier: "enterprise",
      priority: "high",
      rate_limits: { requests_per_minute: 300, tokens_per_minute: 500000, concurrent_requests: 50 },
      budget: { daily_limit_usd: 500, monthly_limit_usd: 10000, alert_threshold_percent: 80 },
    });
    expect(config.storage).toBe("sqlite://./data/tollgate.db");
    expect(config.server.port).toBe(8080);
  });

  it("loads the shipped examples (tollgate.yaml with its tenants_file)", async () => {
    const config = await loadConfig("examples/tollgate.yaml", {});
    expect(Object.keys(config.tenants).sort()).toEqual([
      "acme-corp",
      "ci-bot",
      "internal-dev",
      "startup-xyz",
    ]);
    expect(config.models["llama-3.1-70b"]!.upstreams).toEqual(["sim://premium"]);
    expect(config.server.body_limit).toBe(4 * 1024 * 1024);
  });

  it("names the file, the path and what was expected", () => {
    const bad = `${MODELS}
tenants:
  acme:
    tier: gold
    models_allowed: [llama-3.1-8b, gpt-5]
    rate_limits: { requests_per_minute: "many" }
    priority: urgent
`;
    expect(problems(bad)).toEqual([
      "tenants.acme.rate_limits.requests_per_minute: Invalid input: expected number, received string",
      'tenants.acme.priority: Invalid option: expected one of "high"|"medium"|"low"',
    ]);
    try {
      parseConfig(bad, "conf/x.yaml", {});
    } catch (err) {
      expect((err as Error).message).toMatch(/^conf\/x.yaml: invalid configuration/);
    }
  });

  it("reports cross-references: unknown models and missing simulators", () => {
    const text = `
models:
  m: { upstreams: ["sim://nope"], pricing: free }
tenants:
  a: { tier: free, models_allowed: [m, ghost] }
`;
    expect(problems(text)).toEqual([
      'models.m.upstreams[0]: no simulator named "nope" under simulators:',
      'tenants.a.models_allowed[1]: unknown model "ghost" (not under models:)',
    ]);
  });

  it("reads the journal's fsync mode, true and false included; writes go to a thread unless told", () => {
    const fsync = (v: string) =>
      parseConfig(`${MODELS}${v === "" ? "" : `usage: { journal: { fsync: ${v} } }`}`, "t.yaml", {}).usage
        .journal.fsync;
    expect([fsync(""), fsync("true"), fsync("false"), fsync("commit"), fsync("off")]).toEqual([
      "interval",
      "commit",
      "off",
      "commit",
      "off",
    ]);
    expect(() => fsync("sometimes")).toThrow(/usage\.journal\.fsync/);
    expect(parseConfig(MODELS, "t.yaml", {}).storage_write_thread).toBe(true);
  });

  it("refuses a model without a price unless it is marked free", () => {
    const text = `
models:
  priced: { upstreams: ["http://e:1"], pricing: { input_per_1k: 0.001 } }
  unpriced: { upstreams: ["http://e:1"] }
  gratis: { upstreams: ["http://e:1"], pricing: free }
tenants: {}
`;
    expect(problems(text)).toEqual([
      "models.unpriced.pricing: a model needs a price (input_per_1k, output_per_1k) or `pricing: free`",
    ]);
  });

  it("substitutes ${ENV} references and reports missing ones by path", () => {
    const text = `storage: \${DB_URL}\nserver: { host: "\${HOST:-0.0.0.0}" }\n${MODELS}tenants: {}\n`;
    const config = parseConfig(text, "t.yaml", { DB_URL: "postgres://u@db/tollgate" });
    expect(config.storage).toBe("postgres://u@db/tollgate");
    expect(config.server.host).toBe("0.0.0.0");
    expect(problems(text)).toEqual(["storage: environment variable DB_URL is not set"]);
  });

  it("rejects unknown keys (typos) and reports YAML syntax errors", () => {
    expect(problems(`${MODELS}tenants: {}\nsever: { port: 1 }\n`)).toEqual([
      '(root): Unrecognized key: "sever"',
    ]);
    expect(problems("models: [unclosed")[0]).toMatch(/line 1/);
  });

  it("refuses a tenant defined both inline and in its tenants_file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tollgate-cfg-"));
    writeFileSync(join(dir, "q.yaml"), "tenants:\n  a: { tier: free, models_allowed: [llama-3.1-8b] }\n");
    writeFileSync(
      join(dir, "c.yaml"),
      `${MODELS}tenants_file: q.yaml\ntenants:\n  a: { tier: free, models_allowed: [llama-3.1-8b] }\n`,
    );
    await expect(loadConfig(join(dir, "c.yaml"), {})).rejects.toThrow(
      /tenants.a: defined both inline and in q.yaml/,
    );
    await expect(loadConfig(join(dir, "missing.yaml"), {})).rejects.toThrow(/cannot read file: ENOENT/);
  });
});
