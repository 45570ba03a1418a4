import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { availableParallelism, release, setPriority, totalmem } from "node:os";

/** What the results were measured on. */
export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGb: number;
  readonly pinned: boolean;
  /** The commit measured (`git describe --always --dirty`), when run from a clone. */
  readonly commit: string | null;
}

export function describeMachine(pinned: boolean): Machine {
  const info = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  return {
    nproc: onlineCpus(),
    cpu: /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown",
    node: process.version,
    kernel: release(),
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    pinned,
    commit: gitDescribe(),
  };
}

function gitDescribe(): string | null {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty"], {
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
  } catch {
    return null;
  }
}

/** CPUs of the machine (not of this process's affinity mask, which pinning narrows). */
export function onlineCpus(): number {
  try {
    return Number(execFileSync("nproc", ["--all"], { encoding: "utf8" }).trim()) || availableParallelism();
  } catch {
    return availableParallelism();
  }
}

export function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of this process (and so the children it spawns later) to `cpu`. */
export function pinSelf(cpu: number): void {
  execFileSync("taskset", ["-a", "-c", "-p", String(cpu), String(process.pid)], { stdio: "ignore" });
}

/**
 * Lowers every process named `command` (e.g. the PostgreSQL server: its postmaster, whose future
 * children inherit it, and its running backends) to `nice` 19, so that it runs in the time the
 * measured processes leave idle. Returns how many were lowered and the undo (back to 0). Best
 * effort: a process that exits meanwhile is skipped.
 */
export function lowerPriority(command: string): { count: number; undo: () => void } {
  let pids: number[] = [];
  try {
    pids = execFileSync("pgrep", ["-x", command], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return { count: 0, undo: () => undefined }; // none running
  }
  const set = (nice: number): number =>
    pids.filter((pid) => {
      try {
        setPriority(pid, nice);
        return true;
      } catch {
        return false;
      }
    }).length;
  const count = set(19);
  return { count, undo: () => void set(0) };
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return clockTicks;
}

/**
 * CPU seconds a process has run, all threads, from the scheduler's nanosecond run time
 * (/proc/<pid>/task/<tid>/schedstat); the tick-sampled utime/stime are biased for processes that
 * wake often and run briefly, which is what a gateway at moderate load does.
 */
export function processCpuSeconds(pid: number): number {
  let ns = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e9;
}

/** Per CPU: seconds busy (user, nice, system, irq, softirq), stolen by the hypervisor, and in total. */
export interface CoreTimes {
  readonly busy: number;
  readonly steal: number;
  readonly total: number;
}

export function coreTimes(): CoreTimes[] {
  const hz = ticksPerSecond();
  return readFileSync("/proc/stat", "utf8")
    .split("\n")
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => {
      const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = l
        .split(/\s+/)
        .slice(1)
        .map(Number);
      return {
        busy: (user + nice + system + irq + softirq) / hz,
        steal: steal / hz,
        total: (user + nice + system + idle + iowait + irq + softirq + steal) / hz,
      };
    });
}

/** Per-CPU busy percentages between two snapshots. */
export function busyPercent(before: readonly CoreTimes[], after: readonly CoreTimes[]): number[] {
  return after.map((a, i) => {
    const b = before[i]!;
    const total = a.total - b.total;
    return total > 0 ? (100 * (a.busy - b.busy)) / total : 0;
  });
}

/**
 * CPU time the hypervisor gave to other guests while this machine's CPUs wanted to run (steal), in
 * % of one core, summed over the CPUs. On a shared host it disturbs a run as other processes do;
 * an idle machine shows none, so it is only seen during a run.
 */
export function stolenPercent(before: readonly CoreTimes[], after: readonly CoreTimes[]): number {
  return after.reduce((sum, a, i) => {
    const b = before[i]!;
    const total = a.total - b.total;
    return total > 0 ? sum + (100 * (a.steal - b.steal)) / total : sum;
  }, 0);
}

/** What disturbed a run: other processes' CPU and the hypervisor's steal, in % of one core. */
export const disturbance = (cpu: { readonly otherPct: number; readonly stealPct: number }): number =>
  cpu.otherPct + cpu.stealPct;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until every CPU has been below `limitPct` busy for one second (other work on a shared
 * machine, e.g. a test run), at most `maxWaitS`. Resolves to the seconds waited, or -1 if it gave up.
 */
async function waitForQuiet(limitPct: number, maxWaitS: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const before = coreTimes();
    await sleep(1000);
    const busy = busyPercent(before, coreTimes());
    if (busy.every((b) => b < limitPct)) return (Date.now() - start - 1000) / 1000;
    if (Date.now() - start > maxWaitS * 1000) return -1;
  }
}

/** The best of up to `attempts` tries of a run: see leastDisturbed. */
export interface LeastDisturbed<T> {
  readonly result: T;
  /** 1-based: which try it was. */
  readonly attempt: number;
  /** disturbance() during it, % of one core. */
  readonly noise: number;
}

/**
 * Runs `run` until `noiseOf` its result (other processes' CPU and steal during it, % of one core) is
 * at most `limitPct`, at most `attempts` times, waiting up to `quietWaitS` for a quiet machine before
 * each try; keeps the least disturbed result. Both benchmarks' noise policies are this loop.
 */
export async function leastDisturbed<T>(
  label: string,
  limit: { readonly limitPct: number; readonly attempts: number; readonly quietWaitS: number },
  run: (attempt: number) => Promise<T>,
  noiseOf: (result: T) => number,
): Promise<LeastDisturbed<T>> {
  let best: LeastDisturbed<T> | undefined;
  for (let attempt = 1; attempt <= limit.attempts; attempt++) {
    const waited = await waitForQuiet(limit.limitPct, limit.quietWaitS);
    if (waited < 0)
      console.log(`  (${label}: the machine stayed busy for ${limit.quietWaitS} s; measuring anyway)`);
    const result = await run(attempt);
    const noise = noiseOf(result);
    if (best === undefined || noise < best.noise) best = { result, attempt, noise };
    if (noise <= limit.limitPct) break;
    if (attempt < limit.attempts)
      console.log(`  (${label}: other processes and steal took ${noise.toFixed(0)}% of a core; again)`);
  }
  return best!;
}
