import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { openLoop, type Target } from "./load.js";
import { hasPerf, perfRecord, perfSummary, removePerfMap, type PerfSummary } from "./perf.js";
import type { Service } from "./processes.js";
import { longTasks, summarizeProfile, type LongTasks, type ProfileSummary } from "./profile.js";
import { describeRun } from "./report.js";

export interface Profiles {
  readonly rate: number;
  readonly perf: { readonly requests: number; readonly summary: PerfSummary } | null;
  readonly v8: {
    readonly requests: number;
    readonly file: string;
    readonly summary: ProfileSummary;
    readonly longTasks: LongTasks;
  } | null;
}

export interface ProfileOptions {
  readonly rate: number;
  readonly durationS: number;
  /** Scratch directory. */
  readonly dir: string;
  /** Where the .cpuprofile is kept. */
  readonly keep: string;
  /** taskset CPUs for the perf run (as measured) and for the V8 run (its sampler needs a core). */
  readonly pinnedCpus: string | null;
  readonly unpinnedCpus: string | null;
  /** Restarts the gateway with extra node flags on `cpus`, warmed up at `rate`. */
  readonly restart: (nodeFlags: string[], cpus: string | null) => Promise<void>;
  readonly current: () => { readonly gateway: Service; readonly target: Target };
}

/**
 * Profiles the gateway at a fixed rate: with Linux perf when installed (pinned as measured; sees the
 * kernel and the V8 runtime), then with V8's --cpu-prof (JavaScript functions, and the stretches
 * that hold the event loop). Leaves the gateway stopped.
 */
export async function profileGateway(o: ProfileOptions): Promise<Profiles> {
  let perf: Profiles["perf"] = null;
  if (hasPerf()) {
    console.log(
      `\nprofiling the gateway with perf at ${o.rate} req/s for ${o.durationS} s (pinned as measured) …`,
    );
    await o.restart(["--perf-basic-prof-only-functions"], o.pinnedCpus);
    const { gateway, target } = o.current();
    const data = join(o.dir, "perf.data");
    const [, r] = await Promise.all([
      perfRecord(gateway.pid, o.durationS, data),
      openLoop(target, o.rate, o.durationS),
    ]);
    console.log(`  ${describeRun(r)}`);
    perf = { requests: r.sent, summary: await perfSummary(data) };
    removePerfMap(gateway.pid);
  }
  // V8's sampler thread must not share the gateway's core, or it mostly samples idle time.
  console.log(
    `\nprofiling the gateway with --cpu-prof at ${o.rate} req/s for ${o.durationS} s (not pinned) …`,
  );
  const profDir = join(o.dir, "prof");
  await o.restart(["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-interval", "100"], o.unpinnedCpus);
  const { gateway, target } = o.current();
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const r = await openLoop(target, o.rate, o.durationS);
  const toUs = Number(process.hrtime.bigint() / 1000n);
  console.log(`  ${describeRun(r)}`);
  await target.pool.close();
  await gateway.stop();
  const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
  let v8: Profiles["v8"] = null;
  if (file !== undefined) {
    mkdirSync(dirname(o.keep), { recursive: true });
    writeFileSync(o.keep, readFileSync(join(profDir, file)));
    v8 = {
      requests: r.sent,
      file: o.keep,
      summary: summarizeProfile(o.keep, 40, { fromUs, toUs }),
      longTasks: longTasks(o.keep, { fromUs, toUs }),
    };
  }
  return { rate: o.rate, perf, v8 };
}
