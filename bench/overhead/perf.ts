import { execFile, execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { promisify } from "node:util";

/**
 * Sampling a process with Linux `perf` (kernel timer, so unbiased even when the process has its
 * core to itself, and it sees kernel and native time that V8's profiler cannot). JIT-compiled
 * JavaScript is named when node runs with --perf-basic-prof-only-functions.
 */

export interface PerfRow {
  readonly pct: number;
  readonly name: string;
}

export interface PerfSummary {
  /** CPU time sampled (the cpu-clock event counts nanoseconds). */
  readonly cpuMs: number;
  /** By binary: "[kernel.kallsyms]", "node" (V8 runtime and builtins, libuv, llhttp), "[JIT]" (compiled JS), libc… */
  readonly byDso: readonly PerfRow[];
  readonly bySymbol: readonly PerfRow[];
}

const run = promisify(execFile);

export function hasPerf(): boolean {
  try {
    execFileSync("perf", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Records `pid` for `seconds` at ~`hz` samples per second into `output`. */
export function perfRecord(pid: number, seconds: number, output: string, hz = 4999): Promise<void> {
  const child = spawn(
    "perf",
    [
      "record",
      "-q",
      "-e",
      "cpu-clock",
      "-F",
      String(hz),
      "-p",
      String(pid),
      "-o",
      output,
      "--",
      "sleep",
      String(seconds),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`perf record: exit ${code}\n${err}`)),
    );
  });
}

async function report(
  input: string,
  sort: string,
  limit: number,
): Promise<{ rows: PerfRow[]; events: number }> {
  const { stdout } = await run(
    "perf",
    [
      "report",
      "-i",
      input,
      "--no-children",
      "--sort",
      sort,
      "--stdio",
      "-g",
      "none",
      "--percent-limit",
      "0.2",
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const rows: PerfRow[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^\s+([\d.]+)%\s+(.+?)\s*$/.exec(line);
    if (m !== null) rows.push({ pct: Number(m[1]), name: m[2]!.replace(/\[JIT\] tid \d+/, "[JIT]") });
  }
  const events = Number(/# Event count \(approx\.\): (\d+)/.exec(stdout)?.[1] ?? NaN);
  return { rows: rows.slice(0, limit), events };
}

export async function perfSummary(input: string, limit = 40): Promise<PerfSummary> {
  const dso = await report(input, "dso", 12);
  const sym = await report(input, "dso,sym", limit);
  return { cpuMs: dso.events / 1e6, byDso: dso.rows, bySymbol: sym.rows };
}

/** Removes the JIT symbol map node writes for --perf-basic-prof*. */
export function removePerfMap(pid: number): void {
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
}
