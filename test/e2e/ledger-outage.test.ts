import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/app.js";
import { hashApiKey } from "../../src/auth/api-key-format.js";
import { parseConfig } from "../../src/config/load.js";
import type { UsageEvent } from "../../src/usage/usage-event.js";
import { PG_ADMIN_URL, postgresAvailable, throwawayDatabase, throwawayRole } from "../helpers/postgres.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { call } from "./usage-calls.js";

const KEYS = { acme: "outage-key-acme", globex: "outage-key-globex" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// PostgreSQL's connection is cut (through a proxy this test controls) during load, then restored.
describe.skipIf(!postgresAvailable)("ledger through a PostgreSQL outage", () => {
  let db: Awaited<ReturnType<typeof throwawayDatabase>>;
  let role: Awaited<ReturnType<typeof throwawayRole>>;
  let proxy: TcpProxy;
  let dir: string;
  let yaml: string;
  const settled: UsageEvent[] = [];
  let gateway: Gateway | null = null;
  let url = "";

  const start = async (): Promise<Gateway> => {
    const g = await createGateway(parseConfig(yaml, "outage.yaml", {}), {
      processMetrics: false,
      sinks: [{ record: (e) => settled.push(e) }],
    });
    gateway = g;
    url = await g.listen(0, "127.0.0.1");
    return g;
  };

  /** Requests from both tenants until `until()` holds; returns how many got a 200. */
  async function load(url: string, until: () => boolean): Promise<number> {
    let ok = 0;
    const worker = async (n: number) => {
      for (let i = 0; !until(); i++) {
        const tenant = n % 2 === 0 ? "acme" : "globex";
        const o = await call(
          url,
          KEYS[tenant],
          i % 2 === 0 ? "stream" : "chat",
          5 + (i % 20),
          `outage ${n}.${i}`,
        );
        if (o.status === 200) ok++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, n) => worker(n)));
    return ok;
  }

  /** Every settled event in the store exactly once, and rollups that hold exactly the stored events. */
  async function expectExactlyOnce(): Promise<void> {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const ids = await admin.query<{ request_id: string }>("select request_id from usage_events");
      expect(ids.rows.map((r) => r.request_id).sort()).toEqual(settled.map((e) => e.requestId).sort());
      const sums = async (table: string, requests: string) =>
        (
          await admin.query<Record<string, string>>(
            `select tenant_id, ${requests}::bigint as requests, sum(cost_micros)::bigint as cost,
               sum(input_tokens + output_tokens)::bigint as tokens from ${table} group by 1 order by 1`,
          )
        ).rows;
      expect(await sums("usage_records", "sum(requests)")).toEqual(await sums("usage_events", "count(*)"));
      const cost = settled.reduce((s, e) => s + e.costMicros, 0);
      const stored = await admin.query<{ cost: string }>(
        "select sum(cost_micros)::bigint as cost from usage_events",
      );
      expect(Number(stored.rows[0]!.cost)).toBe(cost);
    } finally {
      await admin.end();
    }
  }

  beforeAll(async () => {
    db = await throwawayDatabase();
    role = await throwawayRole(db.url);
    proxy = await TcpProxy.start(Number(new URL(PG_ADMIN_URL).port || 5432));
    dir = mkdtempSync(join(tmpdir(), "tollgate-outage-"));
    const viaProxy = new URL(role.url);
    viaProxy.port = String(proxy.port);
    yaml = `
storage: ${viaProxy.toString()}
storage_admin: ${db.url}
log: { level: silent }
usage: { journal: { dir: "${join(dir, "journal")}" }, batch_size: 20, batch_interval_ms: 20, drain_timeout_ms: 300 }
simulators: { sim: { ttft_ms: 2, itl_ms: 1 } }
models:
  llama-3.1-8b:
    upstreams: ["sim://sim"]
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015 }
tenants:
  acme: { tier: a, models_allowed: [llama-3.1-8b], api_keys: [{ sha256: ${hashApiKey(KEYS.acme)} }] }
  globex: { tier: b, models_allowed: [llama-3.1-8b], api_keys: [{ sha256: ${hashApiKey(KEYS.globex)} }] }
`;
  });
  afterAll(async () => {
    await gateway?.close();
    await proxy?.close();
    await db?.drop();
    await role?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps serving, spools to the journal, shows the backlog, and writes everything once when the database returns", async () => {
    const g = await start();
    let phase: "before" | "outage" | "after" | "done" = "before";
    let servedDuringOutage = 0;
    let backlogSeen = 0;
    let readyDuring: { status: number; body: { problems: string[] } } | null = null;
    const running = load(url, () => phase === "done");
    await sleep(400);
    proxy.cut();
    phase = "outage";
    const settledAtCut = settled.length;
    for (let i = 0; i < 100 && (backlogSeen === 0 || readyDuring === null); i++) {
      await sleep(30);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      backlogSeen = Number(/^llm_usage_journal_backlog_events (\d+)/m.exec(metrics)?.[1] ?? 0);
      const ready = await fetch(`${url}/readyz`);
      const body = (await ready.json()) as { problems: string[] };
      if (body.problems.some((p) => p.startsWith("usage ledger:")))
        readyDuring = { status: ready.status, body };
    }
    await sleep(500);
    servedDuringOutage = settled.length - settledAtCut;
    proxy.restore();
    phase = "after";
    await sleep(300);
    phase = "done";
    await running;
    await g.ledger.flush(20_000);

    expect(servedDuringOutage).toBeGreaterThan(20);
    expect(backlogSeen).toBeGreaterThan(0);
    expect(readyDuring?.status).toBe(503);
    expect(readyDuring?.body.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^usage ledger: \d+ events waiting in the journal/)]),
    );
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(Number(/^llm_usage_ledger_write_errors_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^llm_usage_journal_backlog_events 0$/m);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await expectExactlyOnce();
  });

  it("replays what a gateway stopped during the outage left in its journal, once the database is back", async () => {
    const g = gateway ?? (await start());
    proxy.cut();
    const before = settled.length;
    let n = 0;
    await load(url, () => n++ > 40);
    expect(settled.length).toBeGreaterThan(before);
    await g.close(); // cannot drain: the rest stays in the journal
    gateway = null;
    expect(g.ledger.backlog).toBeGreaterThan(0);
    proxy.restore();
    const restarted = await start();
    await restarted.ledger.flush(20_000);
    await expectExactlyOnce();
  });
});
