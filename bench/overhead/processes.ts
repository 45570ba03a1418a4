import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { processCpuSeconds } from "./machine.js";

/** A child process that printed "… listening on <url>". */
export interface Service {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** CPU seconds (all threads) used so far. */
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const live = new Set<ChildProcess>();
const scratch = new Set<string>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory removed when the process exits, however it exits. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.add(dir);
  return dir;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the simulator and the gateway`);
    process.exit(130);
  });
}

/**
 * The simulator's niceness, when this machine lets the benchmark raise a priority (root or
 * CAP_SYS_NICE). The simulator shares CPU 1 with the load generator (this process). At equal
 * priority, a request that reaches the simulator while the load generator is busy (sending the next
 * requests, reading answers) waits for the load generator's time slice; a real engine does not
 * share its CPU with the clients. Through the gateway (or the floor) a request reaches the
 * simulator a fraction of a millisecond after it was sent, when that collision is likelier than on
 * the direct path, so the wait was counted as added latency. Probed at 1,000 req/s: the gateway's
 * time from sending a request upstream to its response headers had a p99 of 5–11 ms at equal
 * priority, and 1.8–1.9 ms with the simulator at -10.
 */
export const SIMULATOR_NICE = -10;

/** For the benchmarks' headers: at which priority the simulator runs, and why not when it does not. */
export function simPriority(): string {
  return canRaisePriority()
    ? `simulator at nice ${SIMULATOR_NICE}, ahead of the load generator`
    : "simulator at the load generator's priority (raising it needs root or CAP_SYS_NICE: added latency includes their collisions)";
}

let raising: boolean | undefined;
/** Whether `nice -n -1` takes effect here (GNU nice runs the command anyway when it does not). */
export function canRaisePriority(): boolean {
  try {
    raising ??= execFileSync("nice", ["-n", "-1", "nice"], { encoding: "utf8" }).trim() === "-1";
  } catch {
    raising = false;
  }
  return raising;
}

/**
 * Spawns `node <args>` (pinned with taskset to `cpus`, e.g. "0" or "0,1", when given; at niceness
 * `nice` when given and permitted) and waits for the line announcing its URL. Later output is
 * echoed with the service's name, so warnings stay visible.
 */
export async function startService(
  name: string,
  nodeArgs: readonly string[],
  cpus: string | null,
  nice: number | null = null,
): Promise<Service> {
  const node = [process.execPath, ...nodeArgs];
  const niced = nice !== null && canRaisePriority() ? ["nice", "-n", String(nice), ...node] : node;
  const [cmd, ...args] = cpus === null ? niced : ["taskset", "-c", cpus, ...niced];
  const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"] });
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

/**
 * Starts bench/overhead/floor-proxy.ts (a minimal node:http + undici proxy to `upstream`) on `cpus`.
 * It is TypeScript: the child gets the --import flags this process was started with (the loader).
 */
export function startFloorProxy(upstream: string, cpus: string | null): Promise<Service> {
  const script = fileURLToPath(new URL("./floor-proxy.ts", import.meta.url));
  return startService("floor", [...importFlags(process.execArgv), script, upstream], cpus);
}

/** `--gateway-node-flags` as node arguments ("" → none). */
export function nodeFlagList(text: string): string[] {
  return text.split(/\s+/).filter((f) => f.length > 0);
}

/** The `--import X` / `--import=X` flags among node's own arguments. */
function importFlags(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  execArgv.forEach((arg, i) => {
    if (arg.startsWith("--import=")) out.push(arg);
    else if (arg === "--import" && i + 1 < execArgv.length) out.push(arg, execArgv[i + 1]!);
  });
  return out;
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
  readonly yaml: string;
  readonly apiKey: string;
}

/**
 * Writes a gateway config with one tenant (key declared by SHA-256), one free chat model whose
 * upstream is the simulator, SQLite storage in `dir` (the usage journal goes next to it), warn-level
 * logs, and `extraYaml` (top-level sections) appended.
 */
export function writeGatewayConfig(dir: string, simUrl: string, model: string, extraYaml = ""): GatewayFiles {
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
${extraYaml}`;
  const configPath = join(dir, "tollgate-bench.yaml");
  writeFileSync(configPath, yaml);
  return { configPath, yaml, apiKey };
}

/** A private copy of the build, so that a rebuild during the run (`npm test` builds) changes nothing. */
export interface BuildSnapshot {
  /** The CLI launcher to run with node (like bin/tollgate.js). */
  readonly bin: string;
  /** When dist/ was last written. */
  readonly builtAt: string;
}

/** The newest modification time under `dir` and the number of files (0, 0 when it is missing). */
function buildState(dir: string): { newest: number; files: number } {
  let newest = 0;
  let files = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      files++;
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  } catch {
    // removed while listing: a build is starting
    return { newest: Date.now(), files: 0 };
  }
  return { newest, files };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Copies dist/ into `dir`, next to a copy of package.json (ESM) and a link to node_modules. Another
 * build may be running (`npm test` builds, possibly from clean): the copy is taken once dist/ has
 * not changed for 5 s, kept only if dist/ did not change meanwhile and the CLI loads from it, and
 * tried again otherwise.
 */
export async function snapshotBuild(root: string, dir: string): Promise<BuildSnapshot> {
  const dist = join(root, "dist");
  for (let attempt = 1; ; attempt++) {
    let before = buildState(dist);
    for (
      let waited = 0;
      (before.files === 0 || Date.now() - before.newest < 5000) && waited < 120;
      waited++
    ) {
      await sleep(1000);
      before = buildState(dist);
    }
    const snap = join(dir, `build-${attempt}`);
    mkdirSync(snap);
    cpSync(dist, join(snap, "dist"), { recursive: true });
    copyFileSync(join(root, "package.json"), join(snap, "package.json"));
    symlinkSync(join(root, "node_modules"), join(snap, "node_modules"), "dir");
    const bin = join(snap, "tollgate.js");
    writeFileSync(
      bin,
      'import { main } from "./dist/cli/main.js";\n' +
        "main(process.argv).catch((err) => {\n  console.error(err);\n  process.exit(1);\n});\n",
    );
    const after = buildState(dist);
    const unchanged = after.newest === before.newest && after.files === before.files;
    if (unchanged && loads(bin)) return { bin, builtAt: new Date(before.newest).toISOString() };
    if (attempt >= 10)
      throw new Error("dist/ kept changing (or does not load): could not take a consistent copy");
    console.log(`(dist/ changed while being copied or does not load; again in 5 s)`);
    await sleep(5000);
  }
}

/** True when the CLI and everything it imports load. */
function loads(bin: string): boolean {
  try {
    execFileSync(process.execPath, [bin, "--version"], { stdio: "ignore", timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds a commit instead of using dist/: `git archive <rev>` into `dir`, compiled there with the
 * project's TypeScript (node_modules linked, build info kept in `dir`). Reproducible, and free of
 * whatever is being edited in the working tree.
 */
export function buildCommit(root: string, dir: string, rev: string): BuildSnapshot & { commit: string } {
  const commit = execFileSync("git", ["rev-parse", "--short", `${rev}^{commit}`], {
    cwd: root,
    encoding: "utf8",
  }).trim();
  const snap = join(dir, "build");
  mkdirSync(snap);
  const archive = execFileSync("git", ["archive", "--format=tar", commit], { cwd: root, maxBuffer: 1 << 30 });
  execFileSync("tar", ["-x", "-C", snap], { input: archive });
  symlinkSync(join(root, "node_modules"), join(snap, "node_modules"), "dir");
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  const info = join(dir, "build.tsbuildinfo");
  execFileSync(process.execPath, [tsc, "-p", join(snap, "tsconfig.build.json"), "--tsBuildInfoFile", info], {
    cwd: snap,
    stdio: "inherit",
  });
  const bin = join(snap, "tollgate.js");
  writeFileSync(
    bin,
    'import { main } from "./dist/cli/main.js";\n' +
      "main(process.argv).catch((err) => {\n  console.error(err);\n  process.exit(1);\n});\n",
  );
  if (!loads(bin)) throw new Error(`commit ${commit} was built but its CLI does not load`);
  return { bin, builtAt: new Date().toISOString(), commit };
}
