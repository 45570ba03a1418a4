/**
 * A month's invoice over 10 million events: `LedgerRepository.priced` (what `tollgate invoice` runs)
 * for one tenant and one month, on rollups that hold the month's events of a whole fleet.
 *
 * The rollups are exactly those of the events: every one of the N events is generated (events.ts:
 * Zipf-weighted tenants, their models, dated prices and discounts, outcomes, a daily cycle over the
 * month's 720 hours) and summed hour by hour with the ledger's own `rollupDeltas`; only inserting the
 * events themselves (usage_events, which the invoice never reads) is skipped, and the rollup rows go
 * into `usage_records` by a bulk insert instead of N upserts. A smaller sample checks that the two
 * paths agree: its events are appended through the real `LedgerRepository.append` (batches of 500,
 * in time order) and the resulting usage_records must equal, row for row, the bulk-loaded rollups of
 * the same events.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openSqlite } from "../../src/store/sqlite/driver.js";
import { openStore } from "../../src/store/open.js";
import { toRollupRow } from "../../src/store/sql/usage-rows.js";
import type { PricedTotals, Store } from "../../src/store/port.js";
import { monthRange } from "../../src/usage/invoice.js";
import { rollupDeltas, type RollupDelta } from "../../src/usage/rollup.js";
import type { UsageEvent } from "../../src/usage/usage-event.js";
import type { BuildSnapshot } from "../overhead/processes.js";
import { summarize, type Summary } from "../overhead/stats.js";
import { EventSource, hourlyCounts, universe } from "./events.js";
import { asOwner, openBenchStore, type BackendName, type BenchStore } from "./stores.js";

const HOUR_MS = 3_600_000;
export const MONTH = "2026-11";

export interface InvoiceOptions {
  readonly events: number;
  readonly sampleEvents: number;
  readonly tenants: number;
  readonly coldReps: number;
  readonly warmReps: number;
  readonly cliReps: number;
  readonly build: BuildSnapshot;
}

export interface Rollups {
  readonly rows: RollupDelta[];
  readonly events: number;
  readonly generateS: number;
  /** Events per tenant (all outcomes, unknown-model requests included). */
  readonly eventsByTenant: ReadonlyMap<string, number>;
}

/** Every event of the month, generated hour by hour and summed with the ledger's rollupDeltas. */
export function monthRollups(total: number, tenants: number, seed: number): Rollups {
  const { from, to } = monthRange(MONTH)!;
  const t0 = performance.now();
  const source = new EventSource(universe(tenants), seed, "sequential");
  const rows: RollupDelta[] = [];
  const eventsByTenant = new Map<string, number>();
  hourlyCounts(from.getTime(), to.getTime(), total).forEach((n, h) => {
    for (const d of rollupDeltas(source.hour(from.getTime() + h * HOUR_MS, n, false))) {
      rows.push(d);
      eventsByTenant.set(d.tenantId, (eventsByTenant.get(d.tenantId) ?? 0) + d.requests);
    }
  });
  return { rows, events: total, generateS: (performance.now() - t0) / 1000, eventsByTenant };
}

/** The sample: events over the whole month in time order (their ids differ from the big run's). */
function sampleEvents(total: number, tenants: number, seed: number): UsageEvent[] {
  const { from, to } = monthRange(MONTH)!;
  const source = new EventSource(universe(tenants), seed, "random", "req_sample_");
  return hourlyCounts(from.getTime(), to.getTime(), total).flatMap((n, h) =>
    source.hour(from.getTime() + h * HOUR_MS, n, true),
  );
}

const COLUMNS = [
  "tenant_id",
  "hour",
  "model",
  "price_input",
  "price_cached_input",
  "price_output",
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cached_tokens",
  "cost_micros",
] as const;

const values = (d: RollupDelta): unknown[] => {
  const row = toRollupRow(d);
  return COLUMNS.map((c) => row[c]);
};

/** Inserts rollup rows straight into usage_records (as the owner on PostgreSQL). */
async function bulkLoad(bs: BenchStore, rows: readonly RollupDelta[]): Promise<number> {
  const t0 = performance.now();
  if (bs.backend === "sqlite") {
    const db = openSqlite(bs.file!);
    const stmt = db.prepare(
      `insert into usage_records (${COLUMNS.join(", ")}) values (${COLUMNS.map(() => "?").join(", ")})`,
    );
    db.transaction(() => {
      for (const d of rows) stmt.run(values(d));
    })();
    db.close();
  } else {
    const types = [
      "text",
      "text",
      "text",
      "int",
      "int",
      "int",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
      "bigint",
    ];
    const text = `insert into usage_records (${COLUMNS.join(", ")})
      select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})`;
    await asOwner(bs, async (c) => {
      for (let i = 0; i < rows.length; i += 5000) {
        const chunk = rows.slice(i, i + 5000).map(values);
        await c.query(
          text,
          COLUMNS.map((_c, j) => chunk.map((r) => r[j])),
        );
      }
      await c.query("analyze usage_records");
    });
  }
  return (performance.now() - t0) / 1000;
}

/** Every usage_records row, in primary-key order, as text (PostgreSQL returns bigints as strings). */
async function allRollups(bs: BenchStore): Promise<string[]> {
  const order = "order by tenant_id, hour, model, price_input, price_cached_input, price_output";
  const rows: Record<string, unknown>[] =
    bs.backend === "sqlite"
      ? (() => {
          const db = openSqlite(bs.file!, { readonly: true });
          const r = db.prepare(`select ${COLUMNS.join(", ")} from usage_records ${order}`).all();
          db.close();
          return r as Record<string, unknown>[];
        })()
      : await asOwner(
          bs,
          async (c) =>
            (
              await c.query<Record<string, unknown>>(
                `select ${COLUMNS.join(", ")} from usage_records ${order}`,
              )
            ).rows,
        );
  return rows.map((r) => COLUMNS.map((c) => String(r[c])).join("|"));
}

async function truncate(bs: BenchStore): Promise<void> {
  if (bs.backend === "sqlite") {
    const db = openSqlite(bs.file!);
    db.exec("delete from usage_records; delete from usage_events;");
    db.close();
  } else {
    await asOwner(bs, (c) => c.query("truncate usage_records, usage_events"));
  }
}

export interface SampleCheck {
  readonly events: number;
  readonly appendEventsPerS: number;
  readonly rollupRows: number;
  readonly identical: boolean;
  readonly firstDifference: string | null;
}

async function validate(bs: BenchStore, o: InvoiceOptions, seed: number): Promise<SampleCheck> {
  const events = sampleEvents(o.sampleEvents, o.tenants, seed);
  const store = await bs.open();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += 500) await store.ledger.append(events.slice(i, i + 500));
  const appendEventsPerS = events.length / ((performance.now() - t0) / 1000);
  await store.close();
  const viaAppend = await allRollups(bs);
  await truncate(bs);
  await bulkLoad(bs, rollupDeltas(events));
  const viaBulk = await allRollups(bs);
  await truncate(bs);
  const n = Math.max(viaAppend.length, viaBulk.length);
  let firstDifference: string | null = null;
  for (let i = 0; i < n && firstDifference === null; i++) {
    if (viaAppend[i] !== viaBulk[i]) firstDifference = `append: ${viaAppend[i]} / bulk: ${viaBulk[i]}`;
  }
  return {
    events: events.length,
    appendEventsPerS,
    rollupRows: viaAppend.length,
    identical: firstDifference === null,
    firstDifference,
  };
}

/** The statement of src/store/sql/ledger-reads.ts `priced()`, for EXPLAIN (keep in step). */
function pricedSql(dialect: BackendName): string {
  const [p1, p2, p3] = dialect === "sqlite" ? ["?", "?", "?"] : ["$1", "$2", "$3"];
  return `select model as g0, price_input, price_cached_input, price_output,
  sum(requests) as requests, sum(errors) as failed,
  sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
  sum(cached_tokens) as cached_tokens, sum(cost_micros) as cost_micros
from usage_records
where tenant_id = ${p1} and hour >= ${p2} and hour < ${p3}
  and model <> ''
group by 1, 2, 3, 4`;
}

async function explain(bs: BenchStore, tenant: string): Promise<string> {
  const { from, to } = monthRange(MONTH)!;
  const params = [tenant, from.toISOString(), to.toISOString()];
  if (bs.backend === "sqlite") {
    const db = openSqlite(bs.file!, { readonly: true });
    const plan = db.prepare(`explain query plan ${pricedSql("sqlite")}`).all(params) as { detail: string }[];
    db.close();
    return plan.map((p) => p.detail).join("\n");
  }
  // as the runtime role, in a tenant-scoped transaction: row-level security applies as in production
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: bs.url });
  await c.connect();
  try {
    await c.query("begin");
    await c.query("select set_config('app.tenant_id', $1, true)", [tenant]);
    const { rows } = await c.query<{ "QUERY PLAN": string }>(
      `explain (analyze, buffers) ${pricedSql("postgres")}`,
      params,
    );
    await c.query("commit");
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  } finally {
    await c.end();
  }
}

/** Drops a file's pages from the OS page cache (GNU dd: nocache on a zero-length read). */
function dropFileCache(file: string): boolean {
  try {
    for (const f of [file, `${file}-wal`]) {
      if (existsSync(f)) execFileSync("dd", [`if=${f}`, "iflag=nocache", "count=0", "status=none"]);
    }
    return true;
  } catch {
    return false;
  }
}

export interface TenantTiming {
  readonly tenant: string;
  readonly events: number;
  /** usage_records rows the query reads (the tenant's month, model rows only). */
  readonly rollupRows: number;
  readonly lines: number;
  /** Sum of the invoice's requests + unknown-model requests = the tenant's generated events. */
  readonly totalsMatch: boolean;
  readonly coldMs: Summary;
  readonly warmMs: Summary;
}

export interface InvoiceResult {
  readonly backend: BackendName;
  readonly sample: SampleCheck;
  readonly rollupRows: number;
  readonly loadS: number;
  readonly tenants: TenantTiming[];
  readonly cold: string;
  readonly cliMs: Summary | null;
  readonly plan: string;
}

async function timeQuery(store: Store, tenant: string): Promise<{ ms: number; lines: PricedTotals[] }> {
  const { from, to } = monthRange(MONTH)!;
  const t0 = performance.now();
  const lines = await store.ledger.priced(tenant, from, to);
  return { ms: performance.now() - t0, lines };
}

async function tenantRows(bs: BenchStore, tenant: string): Promise<number> {
  const q = "select count(*) as n from usage_records where tenant_id = ? and model <> ''";
  if (bs.backend === "sqlite") {
    const db = openSqlite(bs.file!, { readonly: true });
    const r = db.prepare(q).get(tenant) as { n: number };
    db.close();
    return r.n;
  }
  return asOwner(bs, async (c) =>
    Number((await c.query<{ n: string }>(q.replace("?", "$1"), [tenant])).rows[0]!.n),
  );
}

function cliTimes(bs: BenchStore, o: InvoiceOptions, tenant: string): Summary | null {
  if (o.cliReps <= 0) return null;
  const storage =
    bs.backend === "sqlite" ? `storage: ${bs.url}` : `storage: ${bs.url}\nstorage_admin: ${bs.adminUrl}`;
  const config = join(bs.dir, "invoice.yaml");
  writeFileSync(
    config,
    `${storage}\nusage: { journal: { dir: ${join(bs.dir, "cli-journal")} } }\nlog: { level: warn }\n` +
      `models:\n  bench-chat: { upstreams: ["http://127.0.0.1:9"], pricing: free }\n` +
      `tenants:\n  ${tenant}: { tier: bench, models_allowed: [bench-chat] }\n`,
  );
  const times: number[] = [];
  for (let i = 0; i < o.cliReps; i++) {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [o.build.bin, "invoice", "--config", config, "--tenant", tenant, "--month", MONTH],
      {
        encoding: "utf8",
      },
    );
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`tollgate invoice failed (${r.status}): ${r.stderr}`);
  }
  return summarize(times);
}

export async function invoiceBench(
  backend: BackendName,
  rollups: Rollups,
  o: InvoiceOptions,
  seed: number,
): Promise<InvoiceResult> {
  const bs = await openBenchStore(backend, "invoice");
  try {
    await (await bs.open()).close(); // migrated
    const sample = await validate(bs, o, seed + 1);
    console.log(
      `  ${backend} sample: ${sample.events} events appended at ${sample.appendEventsPerS.toFixed(0)}/s → ` +
        `${sample.rollupRows} rollup rows; bulk-loaded rollups ${sample.identical ? "identical" : `DIFFER (${sample.firstDifference})`}`,
    );
    const loadS = await bulkLoad(bs, rollups.rows);
    console.log(
      `  ${backend}: ${rollups.rows.length} rollup rows (${rollups.events} events) loaded in ${loadS.toFixed(1)} s`,
    );
    const ranked = [...rollups.eventsByTenant.entries()].sort((a, b) => b[1] - a[1]);
    const picks = [ranked[0]!, ranked[Math.floor(ranked.length / 2)]!, ranked[ranked.length - 1]!];
    const tenants: TenantTiming[] = [];
    const cold =
      bs.backend === "sqlite"
        ? "new connection, file dropped from the OS page cache"
        : "new connection (server's shared buffers not flushed)";
    for (const [tenant, events] of picks) {
      const coldMs: number[] = [];
      let lines: PricedTotals[] = [];
      for (let i = 0; i < o.coldReps; i++) {
        if (bs.file !== null) dropFileCache(bs.file);
        const store = openStore(bs.url);
        await store.ping();
        const r = await timeQuery(store, tenant);
        coldMs.push(r.ms);
        lines = r.lines;
        await store.close();
      }
      const store = openStore(bs.url);
      const warmMs: number[] = [];
      for (let i = 0; i < o.warmReps; i++) warmMs.push((await timeQuery(store, tenant)).ms);
      await store.close();
      const billed = lines.reduce((s, l) => s + l.requests, 0);
      const unknown = rollups.rows
        .filter((d) => d.tenantId === tenant && d.model === "")
        .reduce((s, d) => s + d.requests, 0);
      const t: TenantTiming = {
        tenant,
        events,
        rollupRows: await tenantRows(bs, tenant),
        lines: lines.length,
        totalsMatch: billed + unknown === events,
        coldMs: summarize(coldMs),
        warmMs: summarize(warmMs),
      };
      tenants.push(t);
      console.log(
        `  ${backend} invoice ${tenant} (${events} events, ${t.rollupRows} rollup rows, ${t.lines} lines): ` +
          `cold median ${t.coldMs.p50.toFixed(2)} ms max ${t.coldMs.max.toFixed(2)}; warm p50 ${t.warmMs.p50.toFixed(2)} p99 ${t.warmMs.p99.toFixed(2)} ms` +
          (t.totalsMatch ? "" : " — TOTALS DIFFER"),
      );
    }
    const plan = await explain(bs, picks[0]![0]);
    const cliMs = cliTimes(bs, o, picks[0]![0]);
    if (cliMs !== null)
      console.log(`  ${backend} \`tollgate invoice\` whole command: median ${cliMs.p50.toFixed(0)} ms`);
    return { backend, sample, rollupRows: rollups.rows.length, loadS, tenants, cold, cliMs, plan };
  } finally {
    await bs.drop();
  }
}
