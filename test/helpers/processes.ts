import { spawn, type ChildProcess } from "node:child_process";

export interface GatewayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `tollgate serve` (the built CLI) as a separate process, as a replica would run. */
export async function spawnGateway(configFile: string): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ["bin/tollgate.js", "serve", "--config", configFile, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Tollgate listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
    setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 15_000);
  });
  return {
    url,
    child,
    stop: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
