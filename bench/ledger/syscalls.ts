/**
 * Where the gateway's event loop blocks in the kernel: `perf trace -s` of the gateway process for a
 * few seconds, split into its main thread (the event loop: every millisecond there is a millisecond
 * no request is served — better-sqlite3's writes, fsyncs of WAL checkpoints included, happen here)
 * and its other threads (libuv's pool, where the journals' fdatasyncs run without blocking the loop).
 * Tracing slows system calls down, so it runs apart from the latency measurements.
 */
import { spawn } from "node:child_process";

export interface SyscallRow {
  readonly name: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

export interface SyscallTrace {
  readonly seconds: number;
  /** The main thread's calls, longest total first (epoll_pwait, the idle wait, left out). */
  readonly mainThread: readonly SyscallRow[];
  /** All other threads together, by call. */
  readonly otherThreads: readonly SyscallRow[];
}

/** Parses `perf trace -s` output: per thread "name (tid), …" then "syscall calls errors total min avg max stddev". */
export function parseSummary(text: string, pid: number, seconds: number): SyscallTrace {
  const main = new Map<string, SyscallRow>();
  const others = new Map<string, SyscallRow>();
  let current: Map<string, SyscallRow> | null = null;
  for (const line of text.split("\n")) {
    const thread = /^\s*\S.*\((\d+)\), \d+ events/.exec(line);
    if (thread !== null) {
      current = Number(thread[1]) === pid ? main : others;
      continue;
    }
    const row = /^\s+([a-z_0-9]+)\s+(\d+)\s+\d+\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)/.exec(line);
    if (row === null || current === null) continue;
    const [, name, calls, total, max] = row;
    const prev = current.get(name!);
    current.set(name!, {
      name: name!,
      calls: (prev?.calls ?? 0) + Number(calls),
      totalMs: (prev?.totalMs ?? 0) + Number(total),
      maxMs: Math.max(prev?.maxMs ?? 0, Number(max)),
    });
  }
  const sorted = (m: Map<string, SyscallRow>): SyscallRow[] =>
    [...m.values()].filter((r) => r.name !== "epoll_pwait").sort((a, b) => b.totalMs - a.totalMs);
  return { seconds, mainThread: sorted(main), otherThreads: sorted(others) };
}

/** Traces `pid` for `seconds`; null if perf is missing or refuses. */
export async function traceSyscalls(pid: number, seconds: number): Promise<SyscallTrace | null> {
  const child = spawn("timeout", ["-s", "INT", String(seconds), "perf", "trace", "-s", "-p", String(pid)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout.on("data", (c: Buffer) => (text += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (text += c.toString("utf8")));
  const ok = await new Promise<boolean>((resolve) => {
    child.once("error", () => resolve(false));
    child.once("exit", () => resolve(true));
  });
  if (!ok) return null;
  const trace = parseSummary(text, pid, seconds);
  return trace.mainThread.length === 0 && trace.otherThreads.length === 0 ? null : trace;
}
