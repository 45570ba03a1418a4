/**
 * bench/overhead: the latency the gateway adds in front of an engine, and its peak throughput.
 *
 *   npm run build && node --import ./scripts/ts-register.js bench/overhead/run.ts [--help]
 *
 * The simulator (zero delays) and the gateway run in their own processes, the gateway pinned alone to
 * CPU 0; this process (the load generator) and the simulator share CPU 1. At each fixed rate one
 * open-loop run goes straight to the simulator and one through the gateway, alternating which goes
 * first. With --floor a third goes through a minimal Node proxy on the gateway's CPU (the machine's
 * floor), the three in rotating order. See bench/README.md.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { closedLoop, createTarget, openLoop, type RunResult, type Target } from "./load.js";
import { describeMachine, hasTaskset, onlineCpus, pinSelf } from "./machine.js";
import { measure, median, undisturbed } from "./measure.js";
import {
  buildCommit,
  nodeFlagList,
  scratchDir,
  snapshotBuild,
  simPriority,
  SIMULATOR_NICE,
  startFloorProxy,
  startService,
  writeGatewayConfig,
} from "./processes.js";
import { profileGateway, type Profiles } from "./profiling.js";
import {
  closedLoopTable,
  cpuProfileTables,
  describeRun,
  longTaskTable,
  type FloorRun,
  openLoopTable,
  perfTables,
  type Measured,
  type RateRow,
} from "./report.js";
import { ms } from "./stats.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
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
    "noise-limit": { type: "string", default: "10" },
    attempts: { type: "string", default: "3" },
    repeat: { type: "string", default: "1" },
    "no-closed": { type: "boolean", default: false },
    commit: { type: "string" },
    "journal-fsync": { type: "string" },
    "journal-commit-ms": { type: "string" },
    "gateway-node-flags": { type: "string", default: "" },
    profile: { type: "boolean", default: false },
    "no-profile": { type: "boolean", default: false },
    floor: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (flags.help) {
  console.log(`usage: node --import ./scripts/ts-register.js bench/overhead/run.ts [options]
  --rates a,b,c      open-loop rates in requests/s (default ${flags.rates});
                     the ramp stops at the first rate the gateway cannot sustain (at the second in
                     a row when other work disturbed the first)
  --duration S       measured seconds per run (default 10)
  --warmup S         unmeasured seconds at the same rate before each run (default 2)
  --concurrency N    clients of the closed-loop peak-throughput runs (default 64)
  --p99-limit MS     a rate is sustained when there are no errors, >= 95% of it is achieved and
                     p99 <= MS (default 25)
  --noise-limit PCT  a run during which other processes used, or the hypervisor took (steal), more
                     than PCT% of a core is tried again, after waiting for the machine to be quiet
                     (default 10)
  --attempts N       tries per run before keeping the least disturbed one (default 3)
  --repeat N         measure each rate N times (pairs in alternating order); the verdict and the
                     ramp use the median / the majority (default 1)
  --no-closed        skip the closed-loop runs (e.g. --rates 1000 --repeat 5 --no-closed)
  --commit REV       build and measure that commit (git archive into a temporary directory)
                     instead of the current dist/ (which is copied first, so rebuilds don't matter)
  --journal-fsync commit|interval|off, --journal-commit-ms N
                     set usage.journal.fsync / commit_interval_ms in the gateway's config
                     (default: the configuration's defaults)
  --gateway-node-flags="F ..."
                     node flags for the gateway process only (e.g. "--min-semi-space-size=16")
  --profile          always profile the gateway at ${TARGET.rate} req/s afterwards (perf if installed,
                     and V8's --cpu-prof); by default only when the target is missed; --no-profile never
  --floor            also measure a minimal Node proxy (node:http + an undici Pool, nothing else) on the
                     gateway's CPU, in every round with direct and gateway (rotating order): the
                     latency and CPU that Node's HTTP server and undici alone add on this machine
  --quick            smoke test: 3 s runs at 500,1000,2000, one attempt`);
  process.exit(0);
}

const quick = flags.quick;
const nodeFlags = nodeFlagList(flags["gateway-node-flags"]);
const rates = (quick ? "500,1000,2000" : flags.rates).split(",").map(Number);
const durationS = quick ? 3 : Number(flags.duration);
const warmupS = quick ? 1 : Number(flags.warmup);
const concurrency = Number(flags.concurrency);
const p99LimitMs = Number(flags["p99-limit"]);
const noiseLimit = Number(flags["noise-limit"]);
const attempts = quick ? 1 : Math.max(1, Number(flags.attempts));
const repeat = Math.max(1, Number(flags.repeat));
const noise = { noiseLimit, attempts };
const withFloor = flags.floor;

const sleep = (msec: number): Promise<void> => new Promise((r) => setTimeout(r, msec));

const sustained = (r: RunResult): boolean =>
  r.errors === 0 && r.achievedRps >= 0.95 * (r.rate ?? 0) && r.latency.p99 <= p99LimitMs;

/** `names` rotated left by `k`: with two targets the order alternates, with three each takes each place. */
const rotate = <T>(names: readonly T[], k: number): T[] => [
  ...names.slice(k % names.length),
  ...names.slice(0, k % names.length),
];

/** Latency that `via` added over `direct` at the same percentiles. */
function added(via: Measured, direct: Measured): Pick<RateRow, "addedMs" | "addedServiceMs"> {
  return {
    addedMs: {
      p50: via.latency.p50 - direct.latency.p50,
      p90: via.latency.p90 - direct.latency.p90,
      p99: via.latency.p99 - direct.latency.p99,
    },
    addedServiceMs: { p50: via.service.p50 - direct.service.p50, p99: via.service.p99 - direct.service.p99 },
  };
}

async function main(): Promise<void> {
  if (flags.commit === undefined && !existsSync(join(ROOT, "dist/cli/main.js"))) {
    console.error("dist/ is missing: run `npm run build` first.");
    process.exit(1);
  }
  const cores = onlineCpus();
  const pin = cores >= 2 && hasTaskset();
  if (pin) pinSelf(1);
  else console.warn(`warning: not pinning (CPUs=${cores}, taskset ${hasTaskset() ? "found" : "missing"})`);
  const gatewayCpus = pin ? "0" : null;
  const m = describeMachine(pin);
  const date = new Date().toISOString().slice(0, 10);
  const stamp = new Date().toISOString().slice(0, 16).replace(":", "").replace("T", "-"); // 2026-11-25-2140
  const dir = scratchDir("tollgate-bench-");
  const build =
    flags.commit === undefined
      ? { ...(await snapshotBuild(ROOT, dir)), commit: null }
      : buildCommit(ROOT, dir, flags.commit);
  const measured = build.commit === null ? `working tree ${m.commit ?? "?"}` : `commit ${build.commit}`;
  const journal = [
    flags["journal-fsync"] === undefined ? "" : `    fsync: ${flags["journal-fsync"]}\n`,
    flags["journal-commit-ms"] === undefined
      ? ""
      : `    commit_interval_ms: ${Number(flags["journal-commit-ms"])}\n`,
  ].join("");
  console.log(
    `tollgate bench/overhead — ${date}, ${m.nproc} CPUs (${m.cpu}), node ${m.node}, linux ${m.kernel}\n` +
      `${measured}, built ${build.builtAt}` +
      (build.commit === null
        ? " (dist/, run from a private copy)"
        : " (git archive, run from a private build)") +
      (journal === "" ? "" : `; usage.journal: ${journal.trim().replace(/\s+/g, " ")}`) +
      (nodeFlags.length === 0 ? "" : `; gateway node flags: ${nodeFlags.join(" ")}`),
  );
  console.log(
    `${withFloor ? "gateway and floor proxy" : "gateway"} on CPU ${pin ? 0 : "any"}; simulator + load generator on CPU ${pin ? 1 : "any"}; ${simPriority()}; ` +
      `${durationS} s per run after ${warmupS} s warm-up; sustained = no errors, >= 95% achieved, p99 <= ${p99LimitMs} ms\n`,
  );

  const simArgs = [
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
  ];
  const sim = await startService("sim", [build.bin, ...simArgs], pin ? "1" : null, SIMULATOR_NICE);
  const cfg = writeGatewayConfig(dir, sim.url, MODEL, journal === "" ? "" : `usage:\n  journal:\n${journal}`);
  const gatewayArgs = [...nodeFlags, build.bin, "serve", "--config", cfg.configPath, "--port", "0"];
  const auth = { authorization: `Bearer ${cfg.apiKey}` };
  let gateway = await startService("gateway", gatewayArgs, gatewayCpus);
  const direct = createTarget("direct", sim.url, MODEL);
  let viaGateway = createTarget("gateway", gateway.url, MODEL, auth);
  // The floor shares the gateway's CPU: it is measured under the same conditions, never alongside it.
  const floor = withFloor ? await startFloorProxy(sim.url, gatewayCpus) : null;
  const viaFloor = floor === null ? null : createTarget("floor", floor.url, MODEL);
  const names: Target["name"][] = viaFloor === null ? ["direct", "gateway"] : ["direct", "gateway", "floor"];
  const target = (name: Target["name"]): Target =>
    name === "direct" ? direct : name === "floor" && viaFloor !== null ? viaFloor : viaGateway;

  try {
    for (const t of names.map(target)) {
      const r = await openLoop(t, 50, 0.2);
      if (r.errors > 0) throw new Error(`${t.name} does not answer: ${JSON.stringify(r.errorKinds)}`);
    }
    const warm = quick ? 1 : 5;
    console.log(`warm-up: ${warm} s at 1000 req/s each …`);
    for (const t of names.map(target)) await openLoop(t, 1000, warm);

    console.log("\nopen loop (latency from the scheduled send time):");
    const rows: RateRow[] = [];
    let rounds = 0;
    let failedInARow = 0;
    ramp: for (const rate of rates) {
      for (let rep = 1; rep <= repeat; rep++) {
        const order = rotate(names, rounds++);
        const { results, noisy } = await undisturbed(`${rate} req/s`, noise, async (attempt) => {
          const out: Measured[] = [];
          for (const name of order) {
            const t = target(name);
            if (warmupS > 0) await openLoop(t, rate, warmupS);
            const r = await measure(() => openLoop(t, rate, durationS), gateway, sim, attempt, floor);
            console.log(`  ${String(rate).padStart(5)} req/s ${describeRun(r, r.cpu)}`);
            out.push(r);
            await sleep(500);
          }
          return out;
        });
        const d = results.find((r) => r.target === "direct")!;
        const g = results.find((r) => r.target === "gateway")!;
        const f = results.find((r) => r.target === "floor");
        const floorRun: FloorRun | undefined =
          f === undefined ? undefined : { run: f, ...added(f, d), sustained: sustained(f) };
        const row: RateRow = {
          rate,
          repeat: rep,
          order,
          direct: d,
          gateway: g,
          ...added(g, d),
          gatewaySustained: sustained(g),
          directSustained: sustained(d),
          noisy,
          ...(floorRun === undefined ? {} : { floor: floorRun }),
        };
        rows.push(row);
        const floorAdded =
          floorRun === undefined
            ? ""
            : `; floor added p50=${ms(floorRun.addedMs.p50)} p99=${ms(floorRun.addedMs.p99)} ms`;
        console.log(
          `        added p50=${ms(row.addedMs.p50)} p99=${ms(row.addedMs.p99)} ms${floorAdded}${noisy ? " (disturbed by other work)" : ""}`,
        );
      }
      const atRate = rows.filter((r) => r.rate === rate);
      const majority = (key: "gatewaySustained" | "directSustained"): boolean =>
        atRate.filter((r) => r[key]).length * 2 > atRate.length;
      if (majority("gatewaySustained") && majority("directSustained")) {
        failedInARow = 0;
        continue;
      }
      // A failure while other work kept the machine busy may be that work's doing: one more rate.
      const disturbed = atRate.every((r) => r.noisy);
      if (!disturbed || ++failedInARow >= 2) break ramp;
      if (rate !== rates.at(-1))
        console.log(`        (not sustained, but disturbed: trying the next rate before stopping)`);
    }

    const closed: Measured[] = [];
    if (!flags["no-closed"]) console.log(`\nclosed loop (${concurrency} clients):`);
    for (const name of flags["no-closed"] ? [] : names) {
      const t = target(name);
      const { results } = await undisturbed(`closed loop ${name}`, noise, async (attempt) => {
        await closedLoop(t, concurrency, warmupS);
        const r = await measure(() => closedLoop(t, concurrency, durationS), gateway, sim, attempt, floor);
        console.log(`  ${describeRun(r, r.cpu)}`);
        await sleep(500);
        return [r];
      });
      closed.push(results[0]!);
    }

    // The verdict: the median over the undisturbed runs at the target rate (all runs if none was).
    const atTarget = rows.filter((r) => r.rate === TARGET.rate);
    const undisturbedRuns = atTarget.filter((r) => !r.noisy);
    const basis = undisturbedRuns.length > 0 ? undisturbedRuns : atTarget;
    const verdict = {
      rate: TARGET.rate,
      runs: atTarget.length,
      undisturbedRuns: undisturbedRuns.length,
      addedP50Ms: median(basis.map((r) => r.addedMs.p50)),
      addedP99Ms: median(basis.map((r) => r.addedMs.p99)),
      sustained: basis.length > 0 && basis.every((r) => r.gatewaySustained),
    };
    const met =
      verdict.sustained && verdict.addedP50Ms <= TARGET.addedP50Ms && verdict.addedP99Ms <= TARGET.addedP99Ms;
    const peak = (ok: (r: RateRow) => boolean): number | null => {
      let best: number | null = null;
      for (const rate of new Set(rows.map((r) => r.rate))) {
        const atRate = rows.filter((r) => r.rate === rate);
        if (atRate.filter(ok).length * 2 > atRate.length) best = Math.max(best ?? 0, rate);
      }
      return best;
    };
    // What the floor adds at the target rate, over the same runs as the verdict: the machine's share.
    const floorBasis = basis.flatMap((r) => (r.floor === undefined ? [] : [{ row: r, floor: r.floor }]));
    const floorAtTarget =
      floorBasis.length === 0
        ? null
        : {
            runs: floorBasis.length,
            addedP50Ms: median(floorBasis.map((b) => b.floor.addedMs.p50)),
            addedP99Ms: median(floorBasis.map((b) => b.floor.addedMs.p99)),
            gatewayOverFloorP50Ms: median(floorBasis.map((b) => b.row.addedMs.p50 - b.floor.addedMs.p50)),
            gatewayOverFloorP99Ms: median(floorBasis.map((b) => b.row.addedMs.p99 - b.floor.addedMs.p99)),
          };

    let profiles: Profiles | null = null;
    if (!flags["no-profile"] && (flags.profile || (atTarget.length > 0 && !met))) {
      const restart = async (extra: string[], cpus: string | null): Promise<void> => {
        await viaGateway.pool.close();
        await gateway.stop();
        gateway = await startService("gateway", [...extra, ...gatewayArgs], cpus);
        viaGateway = createTarget("gateway", gateway.url, MODEL, auth);
        await openLoop(viaGateway, TARGET.rate, warm);
      };
      profiles = await profileGateway({
        rate: TARGET.rate,
        durationS,
        dir,
        keep: join(ROOT, "bench/results", `overhead-gateway-${stamp}.cpuprofile`),
        pinnedCpus: gatewayCpus,
        unpinnedCpus: pin ? "0,1" : null,
        restart,
        current: () => ({ gateway, target: viaGateway }),
      });
    }

    console.log(
      "\nOpen loop: latency in ms from the scheduled send time; (send) = from the actual send; " +
        "✗ = not sustained; other load + steal = CPU used by other processes and taken by the hypervisor for other guests (! = above the noise limit in every attempt)" +
        (withFloor
          ? "; floor = a minimal Node proxy (node:http + undici), floor added = floor − direct"
          : "") +
        "\n",
    );
    console.log(openLoopTable(rows));
    if (closed.length > 0) console.log(`\nClosed loop, ${durationS} s:\n\n${closedLoopTable(closed)}`);
    const pg = peak((r) => r.gatewaySustained);
    const pd = peak((r) => r.directSustained);
    const pf = withFloor ? peak((r) => r.floor?.sustained ?? false) : null;
    console.log(
      `\npeak sustained open-loop rate: gateway ${pg ?? "none"} req/s; direct >= ${pd ?? "none"} req/s` +
        (withFloor ? `; floor >= ${pf ?? "none"} req/s` : "") +
        ` (the ramp stops when the gateway fails)`,
    );
    console.log(
      `target at ${TARGET.rate} req/s (added p50 <= ${TARGET.addedP50Ms} ms, p99 <= ${TARGET.addedP99Ms} ms): ` +
        (atTarget.length === 0
          ? "not measured"
          : `${met ? "MET" : "MISSED"} — median of ${basis.length} run(s) ` +
            `(${verdict.undisturbedRuns} of ${verdict.runs} undisturbed): ` +
            `added p50 ${ms(verdict.addedP50Ms)} ms, p99 ${ms(verdict.addedP99Ms)} ms`),
    );
    if (floorAtTarget !== null)
      console.log(
        `floor (minimal Node proxy) at ${TARGET.rate} req/s, same runs: added p50 ${ms(floorAtTarget.addedP50Ms)} ms, ` +
          `p99 ${ms(floorAtTarget.addedP99Ms)} ms; the gateway above the floor: p50 ${ms(floorAtTarget.gatewayOverFloorP50Ms)} ms, ` +
          `p99 ${ms(floorAtTarget.gatewayOverFloorP99Ms)} ms`,
      );
    if (profiles?.perf) console.log(`\n${perfTables(profiles.perf.summary, profiles.perf.requests)}`);
    if (profiles?.v8)
      console.log(
        `\n${cpuProfileTables(profiles.v8.summary, profiles.v8.requests)}\n\n${longTaskTable(profiles.v8.longTasks, durationS)}\n(${profiles.v8.file})`,
      );

    const out = join(ROOT, "bench/results", `overhead-${stamp}.json`);
    mkdirSync(dirname(out), { recursive: true });
    const settings = {
      rates,
      durationS,
      warmupS,
      concurrency,
      p99LimitMs,
      noiseLimit,
      attempts,
      repeat,
      model: MODEL,
      target: TARGET,
      ...(withFloor ? { floor: true } : {}),
    };
    writeFileSync(
      out,
      JSON.stringify(
        {
          benchmark: "overhead",
          date: new Date().toISOString(),
          machine: m,
          build: { builtAt: build.builtAt, commit: build.commit, measured },
          gatewayConfig: cfg.yaml,
          settings,
          openLoop: rows,
          closedLoop: closed,
          peakSustainedRps: { gateway: pg, direct: pd, ...(withFloor ? { floor: pf } : {}) },
          target: verdict,
          targetMet: met,
          ...(floorAtTarget === null ? {} : { floorAtTarget }),
          profiles,
        },
        null,
        2,
      ),
    );
    console.log(`\nraw results: ${out}`);
  } finally {
    await Promise.allSettled([direct.pool.close(), viaGateway.pool.close(), viaFloor?.pool.close()]);
    await gateway.stop();
    await floor?.stop();
    await sim.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
