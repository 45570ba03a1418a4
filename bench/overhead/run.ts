/**
 * bench/overhead: the latency the gateway adds in front of an engine, and its peak throughput.
 *
 *   npm run build && node --import ./bench/register.js bench/overhead/run.ts [options]
 *
 * The simulator (zero delays) and the gateway run in their own processes, the gateway pinned alone to
 * CPU 0; this process (the load generator) and the simulator share CPU 1. At each fixed rate an
 * open-loop run goes straight to the simulator and another through the gateway, alternating which
 * goes first. See bench/README.md.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  existsSync,
  readFileSync,
} from "node:fs";
import { availableParallelism, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { closedLoop, createTarget, openLoop, type RunResult, type Target } from "./load.js";
import { hasTaskset, pinSelf, startService, writeGatewayConfig, type Service } from "./processes.js";
import { summarizeProfile, type ProfileSummary } from "./profile.js";
import { ms, table } from "./stats.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "bin/tollgate.js");
const MODEL = "bench-chat";
const TARGET = { rate: 1000, addedP50Ms: 1, addedP99Ms: 3 };

const { values: flags } = parseArgs({
  options: {
    rates: {
      type: "string",
      default: "250,500,1000,1500,2000,3000,4000,6000,8000,10000,12000,14000,16000,20000",
    },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    concurrency: { type: "string", default: "64" },
    "p99-limit": { type: "string", default: "25" },
    profile: { type: "boolean", default: false },
    "no-profile": { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (flags.help) {
  console.log(`usage: node --import ./bench/register.js bench/overhead/run.ts [options]
  --rates a,b,c     open-loop rates in requests/s (default ${flags.rates}); the ramp stops at the
                    first rate the gateway cannot sustain
  --duration S      measured seconds per run (default 10)
  --warmup S        unmeasured seconds at the same rate before each run (default 2)
  --concurrency N   clients of the closed-loop peak-throughput runs (default 64)
  --p99-limit MS    a rate is sustained when there are no errors, >= 95% of it is achieved and
                    p99 <= MS (default 25)
  --profile         always profile the gateway (--cpu-prof) at ${TARGET.rate} req/s afterwards
                    (default: only when the target is missed); --no-profile never
  --quick           smoke test: 3 s runs at 500,1000,2000`);
  process.exit(0);
}

const quick = flags.quick;
const rates = (quick ? "500,1000,2000" : flags.rates).split(",").map(Number);
const durationS = quick ? 3 : Number(flags.duration);
const warmupS = quick ? 1 : Number(flags.warmup);
const concurrency = Number(flags.concurrency);
const p99LimitMs = Number(flags["p99-limit"]);

interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGb: number;
  readonly pinned: boolean;
}

interface Cpu {
  /** Percent of one core over the measured run. */
  readonly gatewayPct: number | null;
  readonly simulatorPct: number;
  readonly loadgenPct: number;
  /** Gateway CPU time per request sent, in microseconds. */
  readonly gatewayUsPerRequest: number | null;
}

type Measured = RunResult & { readonly cpu: Cpu };

interface RateRow {
  readonly rate: number;
  readonly order: readonly Target["name"][];
  readonly direct: Measured;
  readonly gateway: Measured;
  readonly addedMs: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly addedServiceMs: { readonly p50: number; readonly p99: number };
  readonly gatewaySustained: boolean;
  readonly directSustained: boolean;
}

function machine(nproc: number, pinned: boolean): Machine {
  const info = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown";
  return {
    nproc,
    cpu,
    node: process.version,
    kernel: release(),
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    pinned,
  };
}

const sleep = (msec: number): Promise<void> => new Promise((r) => setTimeout(r, msec));

async function measure(run: () => Promise<RunResult>, gateway: Service, sim: Service): Promise<Measured> {
  const t0 = performance.now();
  const g0 = gateway.cpuSeconds();
  const s0 = sim.cpuSeconds();
  const l0 = process.cpuUsage();
  const r = await run();
  const wall = (performance.now() - t0) / 1000;
  const l = process.cpuUsage(l0);
  const g = gateway.cpuSeconds() - g0;
  const viaGateway = r.target === "gateway";
  return {
    ...r,
    cpu: {
      gatewayPct: viaGateway ? (100 * g) / wall : null,
      simulatorPct: (100 * (sim.cpuSeconds() - s0)) / wall,
      loadgenPct: (100 * (l.user + l.system)) / 1e6 / wall,
      gatewayUsPerRequest: viaGateway ? (g * 1e6) / r.sent : null,
    },
  };
}

const sustained = (r: RunResult): boolean =>
  r.errors === 0 && r.achievedRps >= 0.95 * (r.rate ?? 0) && r.latency.p99 <= p99LimitMs;

function describe(r: RunResult, cpu?: Cpu): string {
  const errs = r.errors > 0 ? ` errors=${r.errors} ${JSON.stringify(r.errorKinds)}` : "";
  const gw = cpu?.gatewayPct == null ? "" : ` gatewayCPU=${cpu.gatewayPct.toFixed(0)}%`;
  const simCpu = cpu === undefined ? "" : ` simCPU=${cpu.simulatorPct.toFixed(0)}%`;
  const lag =
    r.mode === "open"
      ? ` (from send p50=${ms(r.service.p50)} p99=${ms(r.service.p99)}; send lag p99=${ms(r.sendLag.p99)})`
      : "";
  return (
    `${r.target.padEnd(7)} p50=${ms(r.latency.p50)} p90=${ms(r.latency.p90)} p99=${ms(r.latency.p99)} ` +
    `max=${ms(r.latency.max)} ms${lag}, ${r.achievedRps.toFixed(0)} ok/s${gw}${simCpu}${errs}`
  );
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) {
    console.error("dist/ is missing: run `npm run build` first.");
    process.exit(1);
  }
  const cores = availableParallelism();
  const pin = cores >= 2 && hasTaskset();
  if (pin) pinSelf(1);
  else console.warn(`warning: not pinning (cores=${cores}, taskset ${hasTaskset() ? "found" : "missing"})`);
  const m = machine(cores, pin);
  const date = new Date().toISOString().slice(0, 10);
  console.log(
    `tollgate bench/overhead — ${date}, ${m.nproc} CPUs (${m.cpu}), node ${m.node}, linux ${m.kernel}`,
  );
  console.log(
    `gateway on CPU ${pin ? 0 : "any"}; simulator + load generator on CPU ${pin ? 1 : "any"}; ` +
      `${durationS} s per run after ${warmupS} s warm-up; sustained = no errors, >= 95% achieved, p99 <= ${p99LimitMs} ms\n`,
  );

  const dir = mkdtempSync(join(tmpdir(), "tollgate-bench-"));
  const sim = await startService(
    "sim",
    [
      BIN,
      "sim",
      "--port",
      "0",
      "--model",
      MODEL,
      "--max-num-seqs",
      "1024",
      "--ttft-ms",
      "0",
      "--itl-ms",
      "0",
    ],
    pin ? 1 : null,
  );
  const cfg = writeGatewayConfig(dir, sim.url, MODEL);
  const gatewayArgs = [BIN, "serve", "--config", cfg.configPath, "--port", "0"];
  let gateway = await startService("gateway", gatewayArgs, pin ? 0 : null);
  const direct = createTarget("direct", sim.url, MODEL);
  let viaGateway = createTarget("gateway", gateway.url, MODEL, { authorization: `Bearer ${cfg.apiKey}` });
  const targets = (): Record<Target["name"], Target> => ({ direct, gateway: viaGateway });

  try {
    // Sanity: both answer, then a warm-up for the JIT and the connection pools.
    for (const t of [direct, viaGateway]) {
      const r = await openLoop(t, 50, 0.2);
      if (r.errors > 0) throw new Error(`${t.name}: ${JSON.stringify(r.errorKinds)}`);
    }
    const warm = quick ? 1 : 5;
    console.log(`warm-up: ${warm} s at 1000 req/s each …`);
    for (const t of [direct, viaGateway]) await openLoop(t, 1000, warm);

    console.log("\nopen loop (latency from the scheduled send time):");
    const rows: RateRow[] = [];
    for (const [i, rate] of rates.entries()) {
      const order: Target["name"][] = i % 2 === 0 ? ["direct", "gateway"] : ["gateway", "direct"];
      const got: Partial<Record<Target["name"], Measured>> = {};
      for (const name of order) {
        const t = targets()[name];
        if (warmupS > 0) await openLoop(t, rate, warmupS);
        got[name] = await measure(() => openLoop(t, rate, durationS), gateway, sim);
        console.log(`  ${String(rate).padStart(5)} req/s ${describe(got[name], got[name].cpu)}`);
        await sleep(500);
      }
      const d = got.direct!;
      const g = got.gateway!;
      const row: RateRow = {
        rate,
        order,
        direct: d,
        gateway: g,
        addedMs: {
          p50: g.latency.p50 - d.latency.p50,
          p90: g.latency.p90 - d.latency.p90,
          p99: g.latency.p99 - d.latency.p99,
        },
        addedServiceMs: { p50: g.service.p50 - d.service.p50, p99: g.service.p99 - d.service.p99 },
        gatewaySustained: sustained(g),
        directSustained: sustained(d),
      };
      rows.push(row);
      console.log(`        added p50=${ms(row.addedMs.p50)} p99=${ms(row.addedMs.p99)} ms`);
      if (!row.gatewaySustained || !row.directSustained) break;
    }

    console.log(`\nclosed loop (${concurrency} clients, latency per request):`);
    const closed: Measured[] = [];
    for (const name of ["direct", "gateway"] as const) {
      const t = targets()[name];
      await closedLoop(t, concurrency, warmupS);
      const r = await measure(() => closedLoop(t, concurrency, durationS), gateway, sim);
      closed.push(r);
      console.log(`  ${describe(r, r.cpu)}`);
      await sleep(500);
    }

    const atTarget = rows.find((r) => r.rate === TARGET.rate);
    const met =
      atTarget !== undefined &&
      atTarget.gatewaySustained &&
      atTarget.addedMs.p50 <= TARGET.addedP50Ms &&
      atTarget.addedMs.p99 <= TARGET.addedP99Ms;
    const peak = (key: "gatewaySustained" | "directSustained"): number | null => {
      let best: number | null = null;
      for (const r of rows) if (r[key]) best = r.rate;
      return best;
    };

    let profile: { file: string; rate: number; requests: number; summary: ProfileSummary } | null = null;
    if (!flags["no-profile"] && (flags.profile || !met)) {
      console.log(`\nprofiling the gateway (--cpu-prof) at ${TARGET.rate} req/s for ${durationS} s …`);
      await viaGateway.pool.close();
      await gateway.stop();
      const profDir = join(dir, "prof");
      gateway = await startService(
        "gateway",
        ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-interval", "100", ...gatewayArgs],
        pin ? 0 : null,
      );
      viaGateway = createTarget("gateway", gateway.url, MODEL, { authorization: `Bearer ${cfg.apiKey}` });
      await openLoop(viaGateway, TARGET.rate, warm);
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const r = await openLoop(viaGateway, TARGET.rate, durationS);
      const toUs = Number(process.hrtime.bigint() / 1000n);
      console.log(`  ${describe(r)}`);
      await viaGateway.pool.close();
      await gateway.stop();
      const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
      if (file === undefined) throw new Error(`no .cpuprofile in ${profDir}`);
      const summary = summarizeProfile(join(profDir, file), 40, { fromUs, toUs });
      const kept = join(ROOT, "bench/results", `overhead-gateway-${date}.cpuprofile`);
      mkdirSync(dirname(kept), { recursive: true });
      writeFileSync(kept, readFileSync(join(profDir, file)));
      profile = { file: kept, rate: TARGET.rate, requests: r.sent, summary };
    }

    const openTable = table(
      [
        "rate (req/s)",
        "direct p50",
        "direct p99",
        "gateway p50",
        "gateway p99",
        "added p50",
        "added p99",
        "added p50 (send)",
        "added p99 (send)",
        "gateway ok/s",
        "errors",
        "gateway CPU",
        "CPU µs/req",
      ],
      rows.map((r) => [
        String(r.rate),
        ms(r.direct.latency.p50),
        ms(r.direct.latency.p99),
        ms(r.gateway.latency.p50),
        ms(r.gateway.latency.p99),
        ms(r.addedMs.p50),
        ms(r.addedMs.p99),
        ms(r.addedServiceMs.p50),
        ms(r.addedServiceMs.p99),
        r.gateway.achievedRps.toFixed(0) + (r.gatewaySustained ? "" : " ✗"),
        String(r.gateway.errors + r.direct.errors),
        `${r.gateway.cpu.gatewayPct?.toFixed(0) ?? "-"}%`,
        r.gateway.cpu.gatewayUsPerRequest?.toFixed(0) ?? "-",
      ]),
    );
    const closedTable = table(
      [
        "target",
        "clients",
        "throughput (req/s)",
        "p50",
        "p99",
        "max",
        "errors",
        "gateway CPU",
        "simulator CPU",
      ],
      closed.map((r) => [
        r.target,
        String(r.concurrency),
        r.achievedRps.toFixed(0),
        ms(r.latency.p50),
        ms(r.latency.p99),
        ms(r.latency.max),
        String(r.errors),
        r.cpu.gatewayPct === null ? "-" : `${r.cpu.gatewayPct.toFixed(0)}%`,
        `${r.cpu.simulatorPct.toFixed(0)}%`,
      ]),
    );
    console.log(
      "\nOpen loop, latency in ms from the scheduled send time; (send) = from the actual send; ✗ = not sustained:\n",
    );
    console.log(openTable);
    console.log(`\nClosed loop, ${durationS} s:\n`);
    console.log(closedTable);
    const pg = peak("gatewaySustained");
    console.log(
      `\npeak sustained open-loop rate: gateway ${pg ?? "none"} req/s, direct >= ${peak("directSustained") ?? "none"} req/s (ramp stops when the gateway fails)`,
    );
    console.log(
      `target at ${TARGET.rate} req/s (added p50 <= ${TARGET.addedP50Ms} ms, p99 <= ${TARGET.addedP99Ms} ms): ${met ? "MET" : "MISSED"}`,
    );
    if (profile !== null) {
      const s = profile.summary;
      const perReq = (msec: number): string => ((msec * 1000) / profile.requests).toFixed(1);
      console.log(
        `\nprofile ${profile.file}: ${s.busyMs.toFixed(0)} ms busy of ${s.wallMs.toFixed(0)} ms, ${profile.requests} requests (${perReq(s.busyMs)} µs/request)`,
      );
      const pt = (rowsIn: ProfileSummary["functions"], n: number): string =>
        table(
          ["where", "self %", "self µs/req", "total %"],
          rowsIn
            .slice(0, n)
            .map((r) => [r.name, r.selfPct.toFixed(1), perReq(r.selfMs), r.totalPct.toFixed(1)]),
        );
      console.log("\nby area (self time):\n" + pt(s.areas, 20));
      console.log("\ntop functions (self time):\n" + pt(s.functions, 30));
      console.log("\ntop functions (inclusive time):\n" + pt(s.inclusive, 30));
    }

    const out = join(ROOT, "bench/results", `overhead-${date}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        {
          benchmark: "overhead",
          date: new Date().toISOString(),
          machine: m,
          settings: { rates, durationS, warmupS, concurrency, p99LimitMs, model: MODEL, target: TARGET },
          openLoop: rows,
          closedLoop: closed,
          peakSustainedRps: { gateway: pg, direct: peak("directSustained") },
          targetMet: met,
          profile,
        },
        null,
        2,
      ),
    );
    console.log(`\nraw results: ${out}`);
  } finally {
    await Promise.allSettled([direct.pool.close(), viaGateway.pool.close()]);
    await gateway.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
