/**
 * End to end: the built gateway (`tollgate serve`, pinned alone to CPU 0) in front of the simulator
 * (CPU 1, with this process, the load generator), with the ledger writing to SQLite or PostgreSQL.
 * At each rate, one open-loop run straight to the simulator and one through the gateway, alternating
 * which goes first (bench/overhead's method): added latency = gateway − direct at the same percentile.
 * The ledger's rate comes from the gateway's own /metrics: `llm_usage_events_stored_total` over the
 * run and `llm_usage_journal_backlog_events` at its end (and every few seconds in a longer soak run).
 *
 * The traffic is spread over many tenants (each its own key, Zipf-weighted like events.ts), with end
 * users and feature tags, so the writer's batches hold many tenants as in production.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { createTarget, openLoop, type RunResult, type Target } from "../overhead/load.js";
import { disturbance, lowerPriority, processCpuSeconds } from "../overhead/machine.js";
import { SIMULATOR_NICE, startService, type BuildSnapshot, type Service } from "../overhead/processes.js";
import { rng, universe } from "./events.js";
import { accounted, undisturbed, type CpuUse, type NoisePolicy, type Party } from "./noise.js";
import { openBenchStore, type BackendName, type BenchStore } from "./stores.js";
import { traceSyscalls, type SyscallTrace } from "./syscalls.js";
import { hasPerf } from "../overhead/perf.js";

const MODEL = "bench-chat";
/** The core's latency target is at this rate (bench/overhead). */
export const CORE_RATE = 1000;

export interface GatewayBenchOptions {
  readonly noise: NoisePolicy;
  readonly rates: readonly number[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly tenants: number;
  readonly soakRate: number;
  readonly soakS: number;
  readonly build: BuildSnapshot;
  readonly pinned: boolean;
  /**
   * For attributing the added latency (not a deployable setting when `memory`): "sqlite://:memory:"
   * storage, whose journals are in memory too (no file, no fsync, no WAL checkpoints).
   */
  readonly memory?: boolean;
  /** Shown in the tables, e.g. "200 tenants". */
  readonly variant: string;
  /** How many times the core's rate (1,000 req/s) is measured (pairs in alternating order). */
  readonly coreRepeat: number;
  /** Seconds of `perf trace` of the gateway at the core's rate, after the measured runs (0: none). */
  readonly traceS: number;
  /** Node flags for the gateway process only (e.g. "--min-semi-space-size=16"). */
  readonly nodeFlags?: readonly string[];
}

/** What the gateway's /metrics says about the ledger (and its event loop). */
export interface LedgerMetrics {
  readonly stored: number;
  readonly backlog: number;
  readonly writeErrors: number;
  /**
   * The event loop's longest stall since the previous scrape, ms: prom-client's lag maximum less its
   * sampling interval. Node's delay histogram records the whole interval between two samples, so an
   * idle loop reads 10 ms there.
   */
  readonly loopStallMaxMs: number;
}

export type Run = RunResult & { readonly cpu: CpuUse };

export interface GatewayRow {
  readonly backend: BackendName;
  readonly variant: string;
  readonly rate: number;
  /** 1..N: the core's rate is measured `coreRepeat` times. */
  readonly repeat: number;
  readonly order: readonly Target["name"][];
  readonly direct: Run;
  readonly gateway: Run;
  readonly addedMs: { readonly p50: number; readonly p99: number };
  readonly addedSendMs: { readonly p50: number; readonly p99: number };
  /** Events stored per second during the gateway run. */
  readonly storedPerS: number;
  readonly backlogEnd: number;
  /** After the run: until the backlog was 0. */
  readonly catchUpMs: number;
  readonly writeErrors: number;
  readonly loopStallMaxMs: number;
  readonly attempt: number;
  readonly noisy: boolean;
}

export interface SoakResult {
  readonly backend: BackendName;
  readonly rate: number;
  readonly run: Run;
  /** Every 5 s: seconds since start, backlog, events stored per second over the window. */
  readonly samples: readonly { readonly t: number; readonly backlog: number; readonly storedPerS: number }[];
}

export interface GatewayResult {
  readonly backend: BackendName;
  readonly variant: string;
  readonly config: string;
  readonly rows: GatewayRow[];
  readonly soak: SoakResult | null;
  /** Where the gateway blocked in the kernel at the core's rate (perf trace; null if not run). */
  readonly syscalls: SyscallTrace | null;
}

function value(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{")) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

/** prom-client's event-loop sampling interval (collectDefaultMetrics' eventLoopMonitoringPrecision). */
const LOOP_SAMPLING_MS = 10;

export async function scrape(url: string): Promise<LedgerMetrics> {
  const res = await request(`${url}/metrics`);
  const text = await res.body.text();
  return {
    stored: value(text, "llm_usage_events_stored_total"),
    backlog: value(text, "llm_usage_journal_backlog_events"),
    writeErrors: value(text, "llm_usage_ledger_write_errors_total"),
    loopStallMaxMs: Math.max(
      0,
      value(text, "tollgate_nodejs_eventloop_lag_max_seconds") * 1000 - LOOP_SAMPLING_MS,
    ),
  };
}

const keyOf = (i: number): string => `bench-ledger-key-${String(i + 1).padStart(4, "0")}`;

function gatewayConfig(bs: BenchStore, simUrl: string, tenants: number, memory: boolean): string {
  const storage =
    bs.backend === "postgres"
      ? `storage: ${bs.url}\nstorage_admin: ${bs.adminUrl}`
      : `storage: "${memory ? "sqlite://:memory:" : bs.url}"`;
  const usage = memory ? "" : `usage:\n  journal:\n    dir: ${join(bs.dir, "usage-journal")}\n`;
  const u = universe(tenants);
  const tenantYaml = u.tenants
    .map(
      (t, i) => `  ${t.id}:
    tier: bench
    models_allowed: [${MODEL}]
    api_keys: [{ sha256: ${createHash("sha256").update(keyOf(i)).digest("hex")} }]`,
    )
    .join("\n");
  return `# Written by bench/ledger/gateway.ts
server:
  host: 127.0.0.1
  port: 0
  upstream_connections: 128
${storage}
${usage}log:
  level: warn
models:
  ${MODEL}:
    kind: chat
    upstreams: [${simUrl}]
    pricing: { input_per_1k: 0.0005, output_per_1k: 0.0015, cached_input_per_1k: 0.00025 }
tenants:
${tenantYaml}
`;
}

/** A gateway target whose key (tenant), end user and feature change with every request, Zipf-weighted. */
function multiTenantTarget(base: Target, tenants: number, seed: number): Target {
  const u = universe(tenants);
  const r = rng(seed);
  const cum = u.tenantCum;
  const features = ["chat", "search", "summarize", "agent"];
  return {
    name: base.name,
    pool: base.pool,
    path: base.path,
    body: base.body,
    get headers(): Readonly<Record<string, string>> {
      const x = r();
      let i = 0;
      while (cum[i]! <= x && i < cum.length - 1) i++;
      return {
        ...base.headers,
        authorization: `Bearer ${keyOf(i)}`,
        "x-tollgate-user": `user-${Math.floor(r() * 500)}`,
        "x-tollgate-feature": features[Math.floor(r() * features.length)]!,
      };
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForBacklog(url: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if ((await scrape(url)).backlog === 0) return performance.now() - t0;
    await sleep(100);
  }
  return NaN;
}

export async function gatewayBench(
  backend: BackendName,
  o: GatewayBenchOptions,
  seed: number,
): Promise<GatewayResult> {
  const bs = await openBenchStore(backend, "gateway");
  const services: Service[] = [];
  const undoPriority: (() => void)[] = [];
  try {
    const simArgs = [
      "sim",
      "--port",
      "0",
      "--model",
      MODEL,
      "--max-num-seqs",
      "4096",
      "--ttft-ms",
      "0",
      "--itl-ms",
      "0",
    ];
    // The database server is not part of the measurement: in a deployment it has its own host. On
    // this machine it runs at nice 19, in the time the gateway, the simulator and the load
    // generator leave idle, instead of taking time slices from them.
    if (backend === "postgres") {
      const lowered = lowerPriority("postgres");
      undoPriority.push(lowered.undo);
      console.log(`  (PostgreSQL server: ${lowered.count} processes at nice 19 for this part)`);
    }
    const sim = await startService("sim", [o.build.bin, ...simArgs], o.pinned ? "1" : null, SIMULATOR_NICE);
    services.push(sim);
    const config = gatewayConfig(bs, sim.url, o.tenants, o.memory === true);
    const configPath = join(bs.dir, "tollgate-bench-ledger.yaml");
    writeFileSync(configPath, config);
    const gateway = await startService(
      `gateway-${backend}`,
      [...(o.nodeFlags ?? []), o.build.bin, "serve", "--config", configPath, "--port", "0"],
      o.pinned ? "0" : null,
    );
    services.push(gateway);
    const direct = createTarget("direct", sim.url, MODEL);
    const via = multiTenantTarget(createTarget("gateway", gateway.url, MODEL), o.tenants, seed);
    const target = (n: Target["name"]): Target => (n === "direct" ? direct : via);
    const parties: Party[] = [
      { name: "gateway", cpuSeconds: () => gateway.cpuSeconds() },
      { name: "sim", cpuSeconds: () => sim.cpuSeconds() },
      { name: "bench", cpuSeconds: () => processCpuSeconds(process.pid) },
      { name: "postgres", cpuSeconds: () => bs.serverCpuSeconds() },
    ];
    for (const t of [direct, via]) {
      const r = await openLoop(t, 50, 0.2);
      if (r.errors > 0) throw new Error(`${t.name} does not answer: ${JSON.stringify(r.errorKinds)}`);
    }
    for (const t of [direct, via]) await openLoop(t, 1000, 3); // warm-up (JIT, connections)
    await waitForBacklog(gateway.url, 30_000);

    const rows: GatewayRow[] = [];
    let pairs = 0;
    const plan = o.rates.flatMap((rate) =>
      Array.from({ length: rate === CORE_RATE ? o.coreRepeat : 1 }, (_x, i) => ({ rate, repeat: i + 1 })),
    );
    for (const { rate, repeat } of plan) {
      const order: Target["name"][] = pairs++ % 2 === 0 ? ["direct", "gateway"] : ["gateway", "direct"];
      const label = `${backend} (${o.variant}) ${rate} req/s${repeat > 1 ? ` #${repeat}` : ""}`;
      const r = await undisturbed(label, o.noise, async () => {
        const runs: Partial<Record<Target["name"], Run>> = {};
        let before: LedgerMetrics | null = null;
        let after: LedgerMetrics | null = null;
        let catchUpMs = 0;
        for (const name of order) {
          const t = target(name);
          if (o.warmupS > 0) await openLoop(t, rate, o.warmupS);
          if (name === "gateway") {
            await waitForBacklog(gateway.url, 30_000);
            before = await scrape(gateway.url);
          }
          const { result, cpu } = await accounted(parties, () => openLoop(t, rate, o.durationS));
          if (name === "gateway") {
            after = await scrape(gateway.url);
            catchUpMs = await waitForBacklog(gateway.url, 60_000);
          }
          runs[name] = { ...result, cpu };
          console.log(
            `  ${label} ${name.padEnd(7)} p50 ${result.latency.p50.toFixed(2)} p99 ${result.latency.p99.toFixed(2)} ms, ` +
              `${result.achievedRps.toFixed(0)} ok/s, errors ${result.errors}, gateway CPU ${cpu.parties.gateway?.toFixed(0)}%, ` +
              `other + steal ${disturbance(cpu).toFixed(0)}%` +
              (name === "gateway" && after !== null && before !== null
                ? `; stored ${((after.stored - before.stored) / cpu.wallS).toFixed(0)}/s, backlog at end ${after.backlog}`
                : ""),
          );
          await sleep(500);
        }
        const d = runs.direct!;
        const g = runs.gateway!;
        return {
          direct: d,
          gateway: g,
          before: before!,
          after: after!,
          catchUpMs,
          cpu: disturbance(d.cpu) > disturbance(g.cpu) ? d.cpu : g.cpu,
        };
      });
      const row: GatewayRow = {
        backend,
        variant: o.variant,
        rate,
        repeat,
        order,
        direct: r.direct,
        gateway: r.gateway,
        addedMs: {
          p50: r.gateway.latency.p50 - r.direct.latency.p50,
          p99: r.gateway.latency.p99 - r.direct.latency.p99,
        },
        addedSendMs: {
          p50: r.gateway.service.p50 - r.direct.service.p50,
          p99: r.gateway.service.p99 - r.direct.service.p99,
        },
        storedPerS: (r.after.stored - r.before.stored) / r.gateway.cpu.wallS,
        backlogEnd: r.after.backlog,
        catchUpMs: r.catchUpMs,
        writeErrors: r.after.writeErrors,
        loopStallMaxMs: r.after.loopStallMaxMs,
        attempt: r.attempt,
        noisy: r.noisy,
      };
      rows.push(row);
      console.log(
        `  ${label}: added p50 ${row.addedMs.p50.toFixed(2)} ms, p99 ${row.addedMs.p99.toFixed(2)} ms` +
          (row.noisy ? " (disturbed by other work)" : ""),
      );
    }

    let soak: SoakResult | null = null;
    if (o.soakS > 0) {
      await waitForBacklog(gateway.url, 30_000);
      const samples: { t: number; backlog: number; storedPerS: number }[] = [];
      let last = await scrape(gateway.url);
      const t0 = performance.now();
      let lastT = t0;
      let running = true;
      const sampler = (async () => {
        while (running) {
          await sleep(5000);
          if (!running) break;
          const m = await scrape(gateway.url);
          const now = performance.now();
          samples.push({
            t: (now - t0) / 1000,
            backlog: m.backlog,
            storedPerS: (m.stored - last.stored) / ((now - lastT) / 1000),
          });
          last = m;
          lastT = now;
        }
      })();
      const { result, cpu } = await accounted(parties, () => openLoop(via, o.soakRate, o.soakS));
      running = false;
      await sampler;
      soak = { backend, rate: o.soakRate, run: { ...result, cpu }, samples };
      console.log(
        `  ${backend} soak ${o.soakRate} req/s for ${o.soakS} s: p50 ${result.latency.p50.toFixed(2)} p99 ${result.latency.p99.toFixed(2)} ms, ` +
          `backlog ${samples.map((s) => s.backlog).join(" → ")}, stored/s ${samples.map((s) => s.storedPerS.toFixed(0)).join(" ")}`,
      );
    }
    let syscalls: SyscallTrace | null = null;
    if (o.traceS > 0 && hasPerf()) {
      await waitForBacklog(gateway.url, 60_000);
      const load = openLoop(via, CORE_RATE, o.traceS + 2);
      await sleep(1000);
      syscalls = await traceSyscalls(gateway.pid, o.traceS);
      await load;
      const main = syscalls?.mainThread.slice(0, 4) ?? [];
      console.log(
        `  ${backend} (${o.variant}) syscalls of the event loop at ${CORE_RATE} req/s: ` +
          (main
            .map((r) => `${r.name} ${r.calls} calls ${r.totalMs.toFixed(0)} ms (max ${r.maxMs.toFixed(1)})`)
            .join(", ") || "-") +
          ` in ${o.traceS} s`,
      );
    }
    await Promise.allSettled([direct.pool.close(), via.pool.close()]);
    return { backend, variant: o.variant, config, rows, soak, syscalls };
  } finally {
    for (const s of services.reverse()) await s.stop();
    for (const undo of undoPriority) undo();
    await bs.drop();
  }
}
