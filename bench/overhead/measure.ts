import type { RunResult } from "./load.js";
import {
  busyPercent,
  coreTimes,
  disturbance,
  leastDisturbed,
  processCpuSeconds,
  stolenPercent,
} from "./machine.js";
import type { Service } from "./processes.js";
import type { Cpu, Measured } from "./report.js";

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Runs `run` and accounts for the CPU each party (and everything else on the machine) used meanwhile.
 * With `floor` (the --floor proxy) its CPU is accounted like the gateway's, and not counted as other load.
 */
export async function measure(
  run: () => Promise<RunResult>,
  gateway: Service,
  sim: Service,
  attempt: number,
  floor: Service | null = null,
): Promise<Measured> {
  const t0 = performance.now();
  const cores0 = coreTimes();
  const g0 = gateway.cpuSeconds();
  const s0 = sim.cpuSeconds();
  const f0 = floor?.cpuSeconds() ?? 0;
  const l0 = processCpuSeconds(process.pid);
  const r = await run();
  const wall = (performance.now() - t0) / 1000;
  const g = (gateway.cpuSeconds() - g0) / wall;
  const s = (sim.cpuSeconds() - s0) / wall;
  const f = floor === null ? 0 : (floor.cpuSeconds() - f0) / wall;
  const l = (processCpuSeconds(process.pid) - l0) / wall;
  const cores1 = coreTimes();
  const busy = busyPercent(cores0, cores1).reduce((a, b) => a + b, 0);
  const viaGateway = r.target === "gateway";
  const viaFloor = r.target === "floor";
  const cpu: Cpu = {
    gatewayPct: viaGateway ? 100 * g : null,
    simulatorPct: 100 * s,
    loadgenPct: 100 * l,
    otherPct: Math.max(0, busy - 100 * (g + s + l + f)),
    stealPct: stolenPercent(cores0, cores1),
    gatewayUsPerRequest: viaGateway ? (g * wall * 1e6) / r.sent : null,
    // Only with --floor, so that the results of a run without it keep their shape.
    ...(floor === null
      ? {}
      : {
          floorPct: viaFloor ? 100 * f : null,
          floorUsPerRequest: viaFloor ? (f * wall * 1e6) / r.sent : null,
        }),
  };
  return { ...r, cpu, attempt };
}

export interface NoisePolicy {
  /** Other processes and other guests of the host (steal) may use at most this % of a core during a run. */
  readonly noiseLimit: number;
  /** Tries before keeping the least disturbed. */
  readonly attempts: number;
}

/**
 * Runs `runs` (each once) until none was disturbed by other work on the machine, at most
 * `attempts` times, waiting for quiet before each try. Returns the least disturbed set and whether
 * even that one was disturbed.
 */
export async function undisturbed<T extends Measured>(
  label: string,
  policy: NoisePolicy,
  runs: (attempt: number) => Promise<T[]>,
): Promise<{ results: T[]; noisy: boolean }> {
  const best = await leastDisturbed(
    label,
    { limitPct: policy.noiseLimit, attempts: policy.attempts, quietWaitS: 90 },
    runs,
    (results) => Math.max(...results.map((r) => disturbance(r.cpu))),
  );
  return { results: best.result, noisy: best.noise > policy.noiseLimit };
}
