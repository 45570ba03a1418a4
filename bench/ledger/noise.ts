/**
 * CPU accounting for bench/ledger on a shared machine: what this benchmark's own processes used over a
 * run, what everything else used, and retries of runs that other work disturbed (as bench/overhead).
 */
import { busyPercent, coreTimes, disturbance, leastDisturbed, stolenPercent } from "../overhead/machine.js";

/** A process (or group) whose CPU time is ours: the bench itself, the gateway, the simulator, PostgreSQL backends. */
export interface Party {
  readonly name: string;
  /** Cumulative CPU seconds so far. */
  cpuSeconds(): Promise<number> | number;
}

export interface CpuUse {
  readonly wallS: number;
  /** Per party, % of one core. */
  readonly parties: Readonly<Record<string, number>>;
  /** Every CPU's busy time, in % of one core (200 = both cores busy). */
  readonly machinePct: number;
  /** Busy time not accounted to a party, % of one core. */
  readonly otherPct: number;
  /** Time the hypervisor gave to other guests while a CPU wanted to run, % of one core. */
  readonly stealPct: number;
}

export async function accounted<T>(
  parties: readonly Party[],
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: CpuUse }> {
  const before = await Promise.all(parties.map((p) => Promise.resolve(p.cpuSeconds())));
  const cores0 = coreTimes();
  const t0 = performance.now();
  const result = await fn();
  const wallS = (performance.now() - t0) / 1000;
  const cores1 = coreTimes();
  const after = await Promise.all(parties.map((p) => Promise.resolve(p.cpuSeconds())));
  const shares: Record<string, number> = {};
  let mine = 0;
  parties.forEach((p, i) => {
    const pct = (100 * Math.max(0, after[i]! - before[i]!)) / wallS;
    shares[p.name] = pct;
    mine += pct;
  });
  const machinePct = busyPercent(cores0, cores1).reduce((a, b) => a + b, 0);
  return {
    result,
    cpu: {
      wallS,
      parties: shares,
      machinePct,
      otherPct: Math.max(0, machinePct - mine),
      stealPct: stolenPercent(cores0, cores1),
    },
  };
}

export interface NoisePolicy {
  /** A run during which other processes used, or steal took, more than this (% of one core) is tried again. */
  readonly limitPct: number;
  readonly attempts: number;
}

/**
 * Runs `run` until other work (processes, and other guests of the host: steal) used at most
 * `limitPct` of a core during it, at most `attempts` times, waiting for the machine to be quiet
 * before each try; keeps the least disturbed result.
 */
export async function undisturbed<T extends { readonly cpu: CpuUse }>(
  label: string,
  policy: NoisePolicy,
  run: (attempt: number) => Promise<T>,
): Promise<T & { readonly attempt: number; readonly noisy: boolean }> {
  const best = await leastDisturbed(label, { ...policy, quietWaitS: 60 }, run, (r) => disturbance(r.cpu));
  return { ...best.result, attempt: best.attempt, noisy: best.noise > policy.limitPct };
}

export const pct = (v: number | undefined): string => (v === undefined ? "-" : `${v.toFixed(0)}%`);
