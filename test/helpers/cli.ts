import { execFile } from "node:child_process";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (`bin/tollgate.js`, i.e. dist/) as a user would. */
export function runCli(args: readonly string[], timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/tollgate.js", ...args],
      { timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
