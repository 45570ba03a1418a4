import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/app.js";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { loadConfig } from "../../src/config/load.js";
import { usageEvent } from "../usage/events.js";
import { runCli } from "../helpers/cli.js";
import { deleteKeys, REDIS_URL, redisAvailable } from "../helpers/redis.js";

const KEY_A = "cli-test-key-acme";
const KEY_S = "cli-test-key-startup";

// A month with a price change on the 15th and a tenant with a negotiated discount, billed through the CLI.
describe("usage, invoice and reconcile commands", () => {
  const prefix = `tgtest:${randomBytes(4).toString("hex")}:`;
  let dir: string;
  let file: string;
  let gateway: Gateway;
  let now = Date.parse("2026-11-10T09:30:00Z");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-cli-"));
    file = join(dir, "tollgate.yaml");
    writeFileSync(
      file,
      `
storage: sqlite://${join(dir, "t.db")}
log: { level: silent }
limits: { store: "${redisAvailable ? REDIS_URL : "memory"}", key_prefix: "${prefix}" }
simulators: { sim: {} }
models:
  llama-3.1-8b:
    upstreams: ["sim://sim"]
    pricing_history:
      - { effective_from: "2026-11-01T00:00:00Z", input_per_1k: 0.001, output_per_1k: 0.002 }
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015, effective_from: "2026-11-15T00:00:00Z" }
tenants:
  acme-corp:
    tier: enterprise
    models_allowed: [llama-3.1-8b]
    budget: { daily_limit_usd: 100 }
    api_keys: [{ sha256: ${hashApiKey(KEY_A)}, name: main }]
  startup-xyz:
    tier: standard
    models_allowed: [llama-3.1-8b]
    budget: { daily_limit_usd: 100 }
    pricing_overrides: { "*": { discount_percent: 50 } }
    api_keys: [{ sha256: ${hashApiKey(KEY_S)} }]
`,
    );
    gateway = await createGateway(await loadConfig(file), { processMetrics: false, clock: () => now });
    const url = await gateway.listen(0, "127.0.0.1");
    const chat = (key: string, user: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "x-tollgate-user": user,
        },
        body: JSON.stringify({
          model: "llama-3.1-8b",
          messages: [{ role: "user", content: "hi" }],
          max_tokens: 10,
        }),
      }).then((r) => r.json());
    for (let i = 0; i < 3; i++) await chat(KEY_A, "alice");
    now = Date.parse("2026-11-20T09:30:00Z");
    for (let i = 0; i < 2; i++) await chat(KEY_A, "bob");
    await chat(KEY_S, "carol");
    await gateway.ledger.flush(10_000);
  });
  afterAll(async () => {
    await gateway?.close();
    if (redisAvailable) await deleteKeys(REDIS_URL, `${prefix}*`);
    rmSync(dir, { recursive: true, force: true });
  });

  it("bills each request at the price of its date: two invoice lines for the model, totals that add up", async () => {
    const r = await runCli(["invoice", "--config", file, "--tenant", "acme-corp", "--month", "2026-11"]);
    expect(r.code).toBe(0);
    const invoice = JSON.parse(r.stdout) as {
      line_items: {
        unit_price_per_1k: { input: number; output: number };
        requests: number;
        amount_micros: number;
      }[];
      summary: { total_requests: number; total_micros: number };
    };
    expect(
      invoice.line_items.map((l) => [l.unit_price_per_1k.input, l.unit_price_per_1k.output, l.requests]),
    ).toEqual([
      [0.0005, 0.0015, 2],
      [0.001, 0.002, 3],
    ]);
    const [ledger] = await gateway.store.ledger.totals({
      tenantId: "acme-corp",
      from: new Date("2026-11-01T00:00:00Z"),
      to: new Date("2026-12-01T00:00:00Z"),
      by: [],
    });
    expect(invoice.summary).toMatchObject({ total_requests: 5, total_micros: ledger!.costMicros });
    expect(invoice.line_items.reduce((s, l) => s + l.amount_micros, 0)).toBe(ledger!.costMicros);

    const csv = await runCli([
      "invoice",
      "--config",
      file,
      "--tenant",
      "startup-xyz",
      "--month",
      "2026-11",
      "--format",
      "csv",
    ]);
    const rows = csv.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^tenant_id,billing_period,model,unit_input_usd_per_1k/);
    expect(rows[1]).toMatch(/^startup-xyz,2026-11,llama-3.1-8b,0.00025,0.00025,0.00075,1,0,/); // half the list price
    expect(rows[2]).toMatch(/^startup-xyz,2026-11,TOTAL,,,,1,0,/);
  });

  it("reports usage grouped by user and by day, as a table, JSON or CSV", async () => {
    const base = [
      "usage",
      "--config",
      file,
      "--tenant",
      "acme-corp",
      "--from",
      "2026-11-01",
      "--to",
      "2026-12-01",
    ];
    const json = await runCli([...base, "--group-by", "user", "--format", "json"]);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as {
      rows: { user: string; requests: number }[];
      totals: { requests: number };
    };
    expect(out.rows.map((r) => [r.user, r.requests])).toEqual([
      ["alice", 3],
      ["bob", 2],
    ]);
    expect(out.totals.requests).toBe(5);
    const csv = await runCli([...base, "--group-by", "day", "--format", "csv"]);
    expect(
      csv.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(",").slice(0, 2)),
    ).toEqual([
      ["2026-11-10", "3"],
      ["2026-11-20", "2"],
    ]);
    const table = await runCli([...base, "--group-by", "model"]);
    expect(table.stdout).toMatch(/llama-3\.1-8b\s+5\s+0\s/);
    expect(table.stdout).toMatch(/TOTAL\s+5/);
  });

  it("refuses bad input with exit status 2", async () => {
    expect(
      (await runCli(["invoice", "--config", file, "--tenant", "acme-corp", "--month", "2026-13"])).code,
    ).toBe(2);
    expect(
      (await runCli(["invoice", "--config", file, "--tenant", "nobody", "--month", "2026-11"])).code,
    ).toBe(2);
    expect(
      (await runCli(["usage", "--config", file, "--tenant", "acme-corp", "--group-by", "planet"])).code,
    ).toBe(2);
    expect(
      (await runCli(["usage", "--config", file, "--tenant", "acme-corp", "--from", "yesterday"])).code,
    ).toBe(2);
    expect((await runCli(["usage", "--config", file])).code).toBe(2);
    const memory = join(dir, "memory.yaml");
    writeFileSync(
      memory,
      readFileSync(file, "utf8").replace(/limits: \{[^}]*\}/, "limits: { store: memory }"),
    );
    const r = await runCli(["usage", "reconcile", "--config", memory]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/admission counters live inside the gateway process/);
  });

  it.skipIf(!redisAvailable)(
    "reconciles the Redis counters with the ledger, and exits 1 on drift",
    async () => {
      const at = ["--at", "2026-11-20T12:00:00Z"];
      const ok = await runCli(["usage", "reconcile", "--config", file, ...at, "--json"]);
      expect(ok.stderr).toBe("");
      expect(ok.code).toBe(0);
      const report = JSON.parse(ok.stdout) as {
        drift: boolean;
        rows: { tenant: string; period: string; drift: boolean }[];
      };
      expect(report.drift).toBe(false);
      expect(report.rows.map((r) => `${r.tenant} ${r.period}`)).toEqual([
        "acme-corp 2026-11-20",
        "acme-corp 2026-11",
        "startup-xyz 2026-11-20",
        "startup-xyz 2026-11",
      ]);
      // an event the counters never saw: the ledger now differs from them
      await gateway.store.ledger.append([
        usageEvent({ requestId: "extra", tenantId: "startup-xyz", time: new Date("2026-11-20T10:00:00Z") }),
      ]);
      const drift = await runCli(["usage", "reconcile", "--config", file, ...at]);
      expect(drift.code).toBe(1);
      expect(drift.stdout).toMatch(/startup-xyz\s+2026-11-20.*DRIFT/);
      expect(drift.stdout).toMatch(/acme-corp\s+2026-11-20.*ok/);
    },
  );
});
