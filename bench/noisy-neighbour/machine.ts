import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg, release, totalmem } from "node:os";

export interface Machine {
  readonly cpu: string;
  readonly cpus: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly kernel: string;
  /** 1-minute load average when the run started. */
  readonly load: number;
  readonly commit: string | null;
}

/** What the results were measured on. */
export function describeMachine(): Machine {
  const info = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  let commit: string | null = null;
  try {
    commit = execFileSync("git", ["describe", "--always", "--dirty"], {
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
  } catch {
    // not a clone
  }
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown",
    cpus: availableParallelism(),
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    kernel: release(),
    load: Math.round(loadavg()[0]! * 100) / 100,
    commit,
  };
}
