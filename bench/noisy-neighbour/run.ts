/**
 * bench/noisy-neighbour: the seed's acceptance scenario. Tenant A keeps 10, then 64, requests in
 * flight; tenant B sends 2 at a time; B's latency is compared with B alone on the idle pool, for
 * plain pass-through (the engine's FIFO) and for Tollgate's scheduler, in the same run. Then two
 * backlogged tenants of weights 2 and 1 share the pool for 60 s.
 *
 *   npm run build && node --import ./scripts/ts-register.js bench/noisy-neighbour/run.ts [--quick]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ClosedLoop, closeLoad, EngineSampler, type Sample } from "./load.js";
import { describeMachine } from "./machine.js";
import { latencyPlot } from "./plot.js";
import { printReport, type ModeResult } from "./report.js";
import {
  CAPACITY,
  keyOf,
  MODEL,
  startService,
  TENANTS,
  writeGatewayConfig,
  type TenantName,
} from "./services.js";
import { busy, latency, serviceIn, type Window } from "./stats.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SIM = { ttftMs: 30, itlMs: 8 };
const TOKENS = { a: 256, b: 64, share: 256 };
const engineMs = (tokens: number) => SIM.ttftMs + (tokens - 1) * SIM.itlMs;

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    modes: { type: "string", default: "fifo,vtc,tollgate" },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log(`usage: node --import ./scripts/ts-register.js bench/noisy-neighbour/run.ts [options]
  --quick         short phases (a smoke test, about 2 minutes)
  --modes LIST    which of fifo,vtc,tollgate to run (default: all three)`);
  process.exit(0);
}
const S = flags.quick
  ? { idle: 8, light: 6, flood: 12, warmup: 3, share: 15 }
  : { idle: 25, light: 20, flood: 45, warmup: 5, share: 60 };
const MODES = [
  {
    key: "fifo",
    name: "FIFO pass-through",
    scheduler: false,
    anticipationMs: 0,
    share: true,
    color: "#d62728",
  },
  {
    key: "vtc",
    name: "VTC, no anticipation",
    scheduler: true,
    anticipationMs: 0,
    share: false,
    color: "#ff9f0e",
  },
  {
    key: "tollgate",
    name: "Tollgate scheduler",
    scheduler: true,
    anticipationMs: 50,
    share: true,
    color: "#1f77b4",
  },
].filter((m) => flags.modes.split(",").includes(m.key));

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const epoch = performance.now();
const now = () => performance.now() - epoch;
const dir = mkdtempSync(join(tmpdir(), "tollgate-noisy-"));
const bin = join(ROOT, "bin/tollgate.js");
const machine = describeMachine();
const sim = await startService("sim", [
  bin,
  "sim",
  "--port",
  "0",
  "--model",
  MODEL,
  "--max-num-seqs",
  String(CAPACITY),
  "--ttft-ms",
  String(SIM.ttftMs),
  "--itl-ms",
  String(SIM.itlMs),
]);
const results: ModeResult[] = [];
const bSeries: { name: string; color: string; points: Sample[] }[] = [];

try {
  for (const mode of MODES) {
    console.error(`\n== ${mode.name}`);
    const gw = await startService("gateway", [
      bin,
      "serve",
      "--config",
      writeGatewayConfig(dir, sim.url, mode),
      "--port",
      "0",
    ]);
    const samples: Sample[] = [];
    const engine = new EngineSampler(sim.url, epoch);
    engine.start();
    const loop = (t: TenantName, tokens: number) =>
      new ClosedLoop(gw.url, keyOf(t), TENANTS[t].id, tokens, epoch, (s) => samples.push(s));
    const [a, b] = [loop("a", TOKENS.a), loop("b", TOKENS.b)];
    const t0 = now();
    const phase = async (seconds: number): Promise<Window> => {
      const from = now();
      await sleep(seconds);
      return { from: from + S.warmup * 1000, to: now() };
    };
    b.setConcurrency(2);
    const idle = await phase(S.idle);
    a.setConcurrency(10);
    const light = await phase(S.light);
    a.setConcurrency(64);
    const flood = await phase(S.flood);
    await Promise.all([a.stop(), b.stop()]);
    let share: ModeResult["share"] = null;
    if (mode.share) {
      const [heavy, lightT] = [loop("heavy", TOKENS.share), loop("light", TOKENS.share)];
      heavy.setConcurrency(32);
      lightT.setConcurrency(32);
      await sleep(S.warmup);
      const w = { from: now(), to: now() + S.share * 1000 };
      await sleep(S.share);
      await Promise.all([heavy.stop(), lightT.stop()]);
      const h = serviceIn(samples, TENANTS.heavy.id, w, engineMs(TOKENS.share));
      const l = serviceIn(samples, TENANTS.light.id, w, engineMs(TOKENS.share));
      share = { seconds: S.share, heavy: h, light: l, ratio: h / l, busy: busy(engine.samples, CAPACITY, w) };
    }
    engine.stop();
    await gw.stop();
    const B = TENANTS.b.id;
    results.push({
      mode: mode.name,
      idle: latency(samples, B, idle),
      light: { ...latency(samples, B, light), busy: busy(engine.samples, CAPACITY, light) },
      flood: { ...latency(samples, B, flood), busy: busy(engine.samples, CAPACITY, flood) },
      aErrors: samples.filter((s) => s.tenant === TENANTS.a.id && s.status !== 200).length,
      load: loadavg()[0]!,
      share,
    });
    bSeries.push({
      name: mode.name,
      color: mode.color,
      points: samples
        .filter((s) => s.tenant === B && s.status === 200 && s.start < flood.to)
        .map((s) => ({ ...s, start: s.start - t0, end: s.end - t0 })),
    });
  }
} finally {
  await sim.stop();
  await closeLoad();
  rmSync(dir, { recursive: true, force: true });
}

const date = new Date().toISOString().slice(0, 10);
printReport(results, machine, { sim: SIM, tokens: TOKENS, seconds: S, capacity: CAPACITY });
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(
  join(ROOT, `bench/results/noisy-neighbour-${date}.json`),
  JSON.stringify({ date, machine, sim: SIM, tokens: TOKENS, seconds: S, results, b: bSeries }, null, 2),
);
const sched = results.find((r) => r.mode === "Tollgate scheduler") ?? results[0]!;
const bands = [
  { label: "B alone (idle pool)", from: 0, to: S.idle * 1000 },
  { label: "A: 10 in flight", from: S.idle * 1000, to: (S.idle + S.light) * 1000 },
  { label: "A: 64 in flight", from: (S.idle + S.light) * 1000, to: (S.idle + S.light + S.flood) * 1000 },
];
writeFileSync(
  join(ROOT, "bench/noisy-neighbour/b-latency.svg"),
  latencyPlot(
    bSeries,
    bands,
    1.25 * sched.idle.p99,
    `Tenant B's latency, ${date} (max-num-seqs ${CAPACITY}, ttft ${SIM.ttftMs} ms, itl ${SIM.itlMs} ms)`,
  ),
);
console.error(
  `\nraw results: bench/results/noisy-neighbour-${date}.json; plot: bench/noisy-neighbour/b-latency.svg`,
);
