/**
 * bench/ledger: the usage ledger's sustained ingest on SQLite and PostgreSQL (store level, in process,
 * and end to end through the gateway), and a month's invoice over 10 million events.
 *
 *   npm run build && node --import ./scripts/ts-register.js bench/ledger/run.ts [--help]
 *
 * PostgreSQL: the machine's server (TOLLGATE_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres);
 * each part creates a throwaway database and a non-owner runtime role, and drops them. See bench/README.md.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeMachine, hasTaskset, onlineCpus, pinSelf } from "../overhead/machine.js";
import { nodeFlagList, snapshotBuild, simPriority } from "../overhead/processes.js";
import { ms } from "../overhead/stats.js";
import { gatewayBench, type GatewayResult } from "./gateway.js";
import { ingest, type IngestResult } from "./ingest.js";
import { invoiceBench, monthRollups, type InvoiceResult } from "./invoice.js";
import type { NoisePolicy } from "./noise.js";
import {
  appendTable,
  drainTable,
  gatewayTable,
  invoiceTable,
  ledgerTable,
  soakTable,
  statementTable,
  syscallTable,
} from "./report.js";
import { postgresReachable, type BackendName } from "./stores.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TARGETS = { eventsPerS: 5000, addedP50Ms: 1, addedP99Ms: 3, coreRate: 1000, invoiceMs: 100 };

const { values: flags } = parseArgs({
  options: {
    parts: { type: "string", default: "ingest,gateway,invoice" },
    backends: { type: "string", default: "sqlite,postgres" },
    tenants: { type: "string", default: "200" },
    "batch-sizes": { type: "string", default: "100,500,2000" },
    "append-seconds": { type: "string", default: "10" },
    "ingest-rates": { type: "string", default: "1000,5000,10000" },
    "rate-seconds": { type: "string", default: "20" },
    drain: { type: "string", default: "100000" },
    "no-sqlite-variants": { type: "boolean", default: false },
    rates: { type: "string", default: "1000,2500,5000" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    "soak-rate": { type: "string", default: "5000" },
    "no-attribution": { type: "boolean", default: false },
    repeat: { type: "string", default: "3" },
    trace: { type: "string", default: "10" },
    soak: { type: "string", default: "30" },
    events: { type: "string", default: "10000000" },
    sample: { type: "string", default: "100000" },
    "cold-reps": { type: "string", default: "5" },
    "warm-reps": { type: "string", default: "200" },
    "cli-reps": { type: "string", default: "3" },
    "noise-limit": { type: "string", default: "10" },
    attempts: { type: "string", default: "3" },
    seed: { type: "string", default: "1" },
    "gateway-node-flags": { type: "string", default: "" },
    quick: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (flags.help) {
  console.log(`usage: node --import ./scripts/ts-register.js bench/ledger/run.ts [options]
  --parts ingest,gateway,invoice   which parts to run (default all three)
  --backends sqlite,postgres       which stores (default both; PostgreSQL is skipped if unreachable)
  --tenants N                      tenants of the synthetic fleet (default 200, Zipf-weighted)
 ingest (store level, in this process):
  --batch-sizes a,b,c              LedgerRepository.append batch sizes (default 100,500,2000)
  --append-seconds S               seconds of append time per batch size (default 10)
  --ingest-rates a,b               offered events/s through the Ledger (journal + writer) (default 1000,5000,10000)
  --rate-seconds S                 seconds per offered rate (default 20)
  --drain N                        journaled events drained by the writer (catch-up) (default 100000)
  --no-sqlite-variants             skip the SQLite comparison runs (WAL auto-checkpoint off, time-ordered ids)
 gateway (end to end, built CLI, gateway pinned to CPU 0):
  --rates a,b                      open-loop req/s, direct and through the gateway (default 1000,2500,5000)
  --duration S, --warmup S         per run (default 10, 2)
  --soak-rate R, --soak S          a longer run with /metrics sampled every 5 s (default 5000, 30; 0 = none)
  --no-attribution                 skip the extra runs at 1000 req/s (1 tenant; SQLite :memory:)
  --repeat N                       runs at 1000 req/s per variant; the verdict takes the median (default 3)
  --trace S                        then S seconds of \`perf trace -s\` of the gateway at 1000 req/s, if perf is
                                   installed: where its event loop blocks in the kernel (default 10; 0 = none)
 invoice:
  --events N                       events of the month behind the rollups (default 10000000)
  --sample N                       events appended through the real path to validate the bulk load (default 100000)
  --cold-reps N, --warm-reps N     query repetitions (default 5, 200); --cli-reps N whole \`tollgate invoice\` runs (3)
 noise:
  --noise-limit PCT, --attempts N  a run during which other processes used more than PCT% of a core is
                                   tried again, up to N times (default 10, 3)
  --gateway-node-flags="F ..."     node flags for the gateway process only (e.g. --min-semi-space-size=16)
  --quick                          smoke test: short runs, 1M events, one attempt`);
  process.exit(0);
}

const quick = flags.quick;
const nodeFlags = nodeFlagList(flags["gateway-node-flags"]);
const list = (s: string): number[] => s.split(",").filter(Boolean).map(Number);
const parts = new Set(flags.parts.split(","));
const noise: NoisePolicy = {
  limitPct: Number(flags["noise-limit"]),
  attempts: quick ? 1 : Number(flags.attempts),
};
const tenants = Number(flags.tenants);
const seed = Number(flags.seed);

async function main(): Promise<void> {
  const pgVersion = await postgresReachable();
  const backends = flags.backends.split(",").filter((b): b is BackendName => {
    if (b === "postgres" && pgVersion === null) {
      console.warn("warning: PostgreSQL does not answer; skipping it");
      return false;
    }
    return b === "sqlite" || b === "postgres";
  });
  if ((parts.has("gateway") || parts.has("invoice")) && !existsSync(join(ROOT, "dist/cli/main.js"))) {
    console.error("dist/ is missing: run `npm run build` first.");
    process.exit(1);
  }
  const pin = onlineCpus() >= 2 && hasTaskset();
  const m = describeMachine(pin);
  const started = new Date();
  const stamp = started.toISOString().slice(0, 16).replace(":", "").replace("T", "-");
  const work = mkdtempSync(join(tmpdir(), "tollgate-bench-ledger-build-"));
  const build = await snapshotBuild(ROOT, work);
  const header =
    `tollgate bench/ledger — ${started.toISOString()}, ${m.nproc} CPUs (${m.cpu}), ${m.memoryGb} GB, node ${m.node}, ` +
    `linux ${m.kernel}, PostgreSQL ${pgVersion ?? "n/a"}\ncommit ${m.commit ?? "?"}, dist/ built ${build.builtAt} (run from a private copy)` +
    (nodeFlags.length === 0 ? "" : `; gateway node flags: ${nodeFlags.join(" ")}`);
  console.log(`${header}\n`);

  const ingestResults: IngestResult[] = [];
  const gatewayResults: GatewayResult[] = [];
  const invoiceResults: InvoiceResult[] = [];
  const report: string[] = [header, ""];
  const failures: string[] = [];
  const out = join(ROOT, "bench/results", `ledger-${stamp}.json`);
  /** Writes what has been measured so far (a later failure loses nothing). */
  const save = (): void => {
    const text = [...report, ...verdicts(ingestResults, gatewayResults, invoiceResults), ...failures].join(
      "\n",
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        {
          benchmark: "ledger",
          date: started.toISOString(),
          machine: m,
          pgVersion,
          build,
          flags,
          ingest: ingestResults,
          gateway: gatewayResults,
          invoice: invoiceResults,
          failures,
        },
        null,
        2,
      ),
    );
    writeFileSync(out.replace(/\.json$/, ".md"), `${text}\n`);
  };
  /** Runs one measurement; a failure is reported and the others go on. */
  const guarded = async <T>(label: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      console.error(`${label} failed:`, err);
      failures.push(`- ${label} FAILED: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
      return undefined;
    }
  };
  try {
    if (parts.has("ingest")) {
      if (pin) pinSelf(0); // the ledger shares one core with the gateway; PostgreSQL runs where it likes
      console.log(`ingest (this process${pin ? " on CPU 0" : ""}, ${tenants} tenants):`);
      for (const b of backends) {
        const r = await guarded(`ingest ${b}`, () =>
          ingest(
            b,
            {
              noise,
              tenants,
              batchSizes: list(flags["batch-sizes"]),
              appendSeconds: quick ? 2 : Number(flags["append-seconds"]),
              rates: list(flags["ingest-rates"]),
              rateSeconds: quick ? 4 : Number(flags["rate-seconds"]),
              drainEvents: quick ? 20_000 : Number(flags.drain),
              sqliteVariants: !flags["no-sqlite-variants"],
            },
            seed,
          ),
        );
        if (r !== undefined) ingestResults.push(r);
      }
      const append = ingestResults.flatMap((r) => r.append);
      const statements = ingestResults.flatMap((r) => r.statements);
      const ledgerRuns = ingestResults.flatMap((r) => r.ledger);
      const drains = ingestResults.flatMap((r) => r.drain);
      report.push(
        "Store append (LedgerRepository.append, one batch after another, each run on an empty store):",
        "",
        appendTable(append),
        "",
        "SQLite statements (synchronous on the event loop, prepare included; ms):",
        "",
        statementTable(statements.filter((s) => s.backend === "sqlite")),
        "",
        "Ledger (journal with fsync + writer, batch 500 / 200 ms), open-loop offered rate:",
        "",
        ledgerTable(ledgerRuns),
        "",
        "Catch-up (journal already holding the events, as after an outage):",
        "",
        drainTable(drains),
        "",
      );
      save();
    }

    if (parts.has("gateway")) {
      if (pin) pinSelf(1);
      console.log(
        `\ngateway end to end (gateway on CPU ${pin ? 0 : "any"}; simulator + load generator on CPU ${pin ? 1 : "any"}; ${simPriority()}):`,
      );
      const base = {
        noise,
        durationS: quick ? 3 : Number(flags.duration),
        warmupS: quick ? 1 : Number(flags.warmup),
        build,
        pinned: pin,
        coreRepeat: quick ? 1 : Number(flags.repeat),
        nodeFlags,
      };
      for (const b of backends) {
        const r = await guarded(`gateway ${b}`, () =>
          gatewayBench(
            b,
            {
              ...base,
              rates: list(flags.rates),
              tenants,
              soakRate: Number(flags["soak-rate"]),
              soakS: quick ? 0 : Number(flags.soak),
              variant: `${tenants} tenants`,
              traceS: quick ? 0 : Number(flags.trace),
            },
            seed,
          ),
        );
        if (r !== undefined) gatewayResults.push(r);
      }
      // Attribution at the core's rate: fewer tenants per writer batch; no disk under SQLite.
      const attribution =
        flags["no-attribution"] || quick
          ? []
          : backends.flatMap((b) => [
              { backend: b, tenants: 1, memory: false, variant: "1 tenant" },
              ...(b === "sqlite"
                ? [{ backend: b, tenants, memory: true, variant: `${tenants} tenants, :memory:` }]
                : []),
            ]);
      for (const a of attribution) {
        const r = await guarded(`gateway ${a.backend} (${a.variant})`, () =>
          gatewayBench(
            a.backend,
            {
              ...base,
              rates: [TARGETS.coreRate],
              tenants: a.tenants,
              soakRate: 0,
              soakS: 0,
              memory: a.memory,
              variant: a.variant,
              traceS: 0,
            },
            seed,
          ),
        );
        if (r !== undefined) gatewayResults.push(r);
      }
      const rows = gatewayResults.flatMap((g) => g.rows);
      const soaks = gatewayResults.flatMap((g) => (g.soak === null ? [] : [g.soak]));
      report.push(
        "Gateway end to end (latency in ms from the scheduled send time; added = gateway − direct):",
        "",
        gatewayTable(rows),
        "",
        ...(soaks.length > 0 ? ["Soak (/metrics every 5 s):", "", soakTable(soaks), ""] : []),
        ...(gatewayResults.some((g) => g.syscalls !== null)
          ? [
              `System calls of the gateway at ${TARGETS.coreRate} req/s (perf trace, a separate run; per second of trace):`,
              "",
              syscallTable(gatewayResults),
              "",
            ]
          : []),
      );
      save();
    }

    if (parts.has("invoice")) {
      if (pin) pinSelf(0);
      const events = quick ? 1_000_000 : Number(flags.events);
      console.log(
        `\ninvoice: generating ${events} events of ${tenants} tenants over 2026-11 and rolling them up …`,
      );
      const rollups = monthRollups(events, tenants, seed);
      console.log(`  ${rollups.rows.length} rollup rows in ${rollups.generateS.toFixed(1)} s`);
      for (const b of backends) {
        const r = await guarded(`invoice ${b}`, () =>
          invoiceBench(
            b,
            rollups,
            {
              events,
              sampleEvents: quick ? 20_000 : Number(flags.sample),
              tenants,
              coldReps: Number(flags["cold-reps"]),
              warmReps: quick ? 50 : Number(flags["warm-reps"]),
              cliReps: Number(flags["cli-reps"]),
              build,
            },
            seed,
          ),
        );
        if (r !== undefined) invoiceResults.push(r);
      }
      report.push(
        `Invoice (LedgerRepository.priced, one tenant, 2026-11) over ${events} events = ${rollups.rows.length} rollup rows (ms):`,
        "",
        invoiceTable(invoiceResults),
        "",
        ...invoiceResults.flatMap((r) => [
          `${r.backend}: sample of ${r.sample.events} events via append (${r.sample.appendEventsPerS.toFixed(0)}/s) → ${r.sample.rollupRows} rows, ` +
            `bulk load ${r.sample.identical ? "identical" : `DIFFERENT: ${r.sample.firstDifference}`}; 10M-event rollups loaded in ${r.loadS.toFixed(1)} s; ` +
            `cold = ${r.cold}` +
            (r.cliMs === null ? "" : `; whole \`tollgate invoice\` command median ${ms(r.cliMs.p50)} ms`),
          "",
          `${r.backend} plan (largest tenant):`,
          "",
          r.plan
            .split("\n")
            .map((l) => `    ${l}`)
            .join("\n"),
          "",
        ]),
      );
    }

    save();
    console.log(
      `\n${[...report, ...verdicts(ingestResults, gatewayResults, invoiceResults), ...failures].join("\n")}`,
    );
    console.log(`\nraw results: ${out} (tables: ${out.replace(/\.json$/, ".md")})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function verdicts(ingestResults: IngestResult[], gw: GatewayResult[], inv: InvoiceResult[]): string[] {
  const out: string[] = ["Targets:"];
  for (const r of ingestResults) {
    const atTarget = r.ledger.find((l) => l.offered === TARGETS.eventsPerS);
    const append = r.append.find((a) => a.batchSize === 500);
    const backend = r.append[0]?.backend ?? r.ledger[0]?.backend ?? "?";
    if (atTarget !== undefined) {
      const ok =
        atTarget.storedPerS >= 0.95 * TARGETS.eventsPerS &&
        atTarget.backlogEnd <= 2 * 500 &&
        atTarget.writeErrors === 0;
      out.push(
        `- ${backend} ingest ≥ ${TARGETS.eventsPerS}/s through the Ledger: ${ok ? "MET" : "MISSED"} (stored ${atTarget.storedPerS.toFixed(0)}/s, backlog at end ${atTarget.backlogEnd}` +
          `${append === undefined ? "" : `; store alone ${append.eventsPerS.toFixed(0)}/s at batch 500`})`,
      );
    }
  }
  for (const g of gw) {
    const atCore = g.rows.filter((r) => r.rate === TARGETS.coreRate);
    if (atCore.length > 0) {
      const quiet = atCore.filter((r) => !r.noisy);
      const basis = quiet.length > 0 ? quiet : atCore;
      const p50 = median(basis.map((r) => r.addedMs.p50));
      const p99 = median(basis.map((r) => r.addedMs.p99));
      const ok =
        p50 <= TARGETS.addedP50Ms && p99 <= TARGETS.addedP99Ms && basis.every((r) => r.gateway.errors === 0);
      out.push(
        `- ${g.backend} (${g.variant}) gateway at ${TARGETS.coreRate} req/s (added p50 ≤ ${TARGETS.addedP50Ms} ms, p99 ≤ ${TARGETS.addedP99Ms} ms): ${ok ? "MET" : "MISSED"} ` +
          `— median of ${basis.length} run(s) (${quiet.length} of ${atCore.length} undisturbed): added p50 ${ms(p50)}, p99 ${ms(p99)}`,
      );
    }
    for (const r of g.rows.filter((x) => x.rate !== TARGETS.coreRate)) {
      const served =
        r.gateway.errors === 0 && r.gateway.achievedRps >= 0.95 * r.rate && r.gateway.latency.p99 <= 25;
      const ledgerKept = r.backlogEnd <= 1000;
      out.push(
        `- ${g.backend} (${g.variant}) gateway at ${r.rate} req/s: requests ${served ? "sustained" : "NOT sustained (errors, < 95 % served or p99 > 25 ms)"}; ` +
          `ledger ${ledgerKept ? "kept up" : "FELL BEHIND"} (stored ${r.storedPerS.toFixed(0)}/s, backlog at end ${r.backlogEnd}); ` +
          `added p50 ${ms(r.addedMs.p50)}, p99 ${ms(r.addedMs.p99)}`,
      );
    }
  }
  for (const r of inv) {
    const worst = Math.max(...r.tenants.map((t) => Math.max(t.coldMs.max, t.warmMs.p99)));
    out.push(
      `- ${r.backend} invoice < ${TARGETS.invoiceMs} ms: ${worst < TARGETS.invoiceMs ? "MET" : "MISSED"} (worst of cold max / warm p99: ${ms(worst)} ms)`,
    );
  }
  return out;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
