import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** A child process that printed "… listening on <url>". */
export interface Service {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Spawns `node <args>` and waits for its "listening on <url>" line. */
export async function startService(name: string, args: readonly string[]): Promise<Service> {
  const child = spawn(process.execPath, [...args], { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const m = /listening on (https?:\/\/\S+)/i.exec(output);
      if (m === null) return;
      clearTimeout(timer);
      resolve(m[1]!);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
      process.stderr.write(`[${name}] ${c.toString("utf8")}`);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

export const MODEL = "llama-3.1-8b";
export const CAPACITY = 16;
export const TENANTS = {
  a: { id: "tenant-a", tier: "standard" },
  b: { id: "tenant-b", tier: "standard" },
  heavy: { id: "heavy", tier: "standard" }, // weight 2
  light: { id: "light", tier: "free" }, // weight 1
} as const;
export type TenantName = keyof typeof TENANTS;
export const keyOf = (t: TenantName): string => `noisy-neighbour-bench-key-${t}`;

/** The gateway's config for one mode: FIFO pass-through, or the scheduler with or without anticipation. */
export function writeGatewayConfig(
  dir: string,
  simUrl: string,
  mode: { scheduler: boolean; anticipationMs: number },
): string {
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");
  const tenants = Object.entries(TENANTS)
    .map(
      ([name, t]) =>
        `  ${t.id}:\n    tier: ${t.tier}\n    models_allowed: [${MODEL}]\n` +
        `    api_keys: [{ sha256: ${sha(keyOf(name as TenantName))} }]`,
    )
    .join("\n");
  const file = join(dir, `gateway-${mode.scheduler ? `vtc-${mode.anticipationMs}` : "fifo"}.yaml`);
  writeFileSync(
    file,
    `storage: sqlite://${join(dir, `gw-${Date.now()}.db`)}
log: { level: warn }
scheduler:
  enabled: ${mode.scheduler}
  anticipation_ms: ${mode.anticipationMs}
  max_queue_per_tenant: 1000
models:
  ${MODEL}:
    upstreams: ["${simUrl}"]
    pricing: free
    max_num_seqs: ${CAPACITY}
tenants:
${tenants}
`,
  );
  return file;
}
