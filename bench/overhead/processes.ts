import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A child process that printed "… listening on <url>". */
export interface Service {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** CPU seconds (user + system, all threads) used so far. */
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

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

let clockTicks: number | undefined;

/** CPU seconds a process has used, from /proc/<pid>/stat (utime + stime cover all its threads). */
export function processCpuSeconds(pid: number): number {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/**
 * Spawns `node <args>` (pinned to `cpu` with taskset when given) and waits for the line announcing
 * its URL. The output after that line is echoed with the service's name, so warnings stay visible.
 */
export async function startService(
  name: string,
  nodeArgs: readonly string[],
  cpu: number | null,
): Promise<Service> {
  const [cmd, args] =
    cpu === null
      ? [process.execPath, [...nodeArgs]]
      : ["taskset", ["-c", String(cpu), process.execPath, ...nodeArgs]];
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name}: no "listening on" line within 20 s`)), 20_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${err.message}\n${output}`));
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const m = /listening on (https?:\/\/[^\s]+)/i.exec(output);
      if (m !== null) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.stdout.on("data", (c: Buffer) => process.stderr.write(prefix(name, c)));
        resolve(m[1]!);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
      process.stderr.write(prefix(name, c));
    });
    child.once("exit", (code, signal) =>
      fail(new Error(`${name} exited early (code ${code}, signal ${signal})`)),
    );
  });
  const pid = child.pid!;
  return {
    name,
    url,
    pid,
    child,
    cpuSeconds: () => processCpuSeconds(pid),
    stop: () => stopChild(child),
  };
}

function prefix(name: string, chunk: Buffer): string {
  return chunk
    .toString("utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => `[${name}] ${l}\n`)
    .join("");
}

async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export interface GatewayFiles {
  readonly configPath: string;
  readonly apiKey: string;
}

/**
 * Writes a gateway config with one tenant (key declared by SHA-256), one free chat model whose
 * upstream is the simulator, SQLite storage in `dir`, and warn-level logs.
 */
export function writeGatewayConfig(dir: string, simUrl: string, model: string): GatewayFiles {
  const apiKey = "bench-overhead-key";
  const sha256 = createHash("sha256").update(apiKey).digest("hex");
  const yaml = `# Written by bench/overhead/run.ts
server:
  host: 127.0.0.1
  port: 0
  upstream_connections: 128
storage: sqlite://${join(dir, "bench.db")}
log:
  level: warn
models:
  ${model}:
    kind: chat
    upstreams: [${simUrl}]
    pricing: free
tenants:
  bench:
    tier: bench
    models_allowed: [${model}]
    api_keys:
      - sha256: ${sha256}
        name: bench
`;
  const configPath = join(dir, "tollgate-bench.yaml");
  writeFileSync(configPath, yaml);
  return { configPath, apiKey };
}
