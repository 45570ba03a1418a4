import { Command, InvalidArgumentError } from "commander";
import { startSimulator } from "../sim/server.js";
import type { SimOptions } from "../sim/server.js";

/** Injection points for tests; the CLI uses the defaults. */
export interface SimCommandIo {
  /** Where the "listening" line goes (default console.log). */
  log?: (line: string) => void;
  /** Stops the simulator when aborted, in addition to SIGINT/SIGTERM. */
  stop?: AbortSignal;
}

interface SimFlags {
  host: string;
  port: number;
  model: string[];
  embeddingModel: string[];
  maxNumSeqs?: number;
  ttftMs?: number;
  itlMs?: number;
  embeddingDim?: number;
  errorRate?: number;
  seed?: number;
  maxLoras?: number;
  defaultMaxTokens?: number;
}

/** Usage errors exit with code 2. */
function invalid(message: string): InvalidArgumentError {
  const error = new InvalidArgumentError(message);
  error.exitCode = 2;
  return error;
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw invalid(`expected an integer in ${min}..${max}, got "${value}".`);
    }
    return n;
  };
}

function decimal(min: number, max = Number.MAX_VALUE): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      const range = max === Number.MAX_VALUE ? `>= ${min}` : `in ${min}..${max}`;
      throw invalid(`expected a number ${range}, got "${value}".`);
    }
    return n;
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `tollgate sim`: runs the OpenAI-compatible engine simulator until SIGINT/SIGTERM. */
export function simCommand(io: SimCommandIo = {}): Command {
  return new Command("sim")
    .description("run the OpenAI-compatible, vLLM-like engine simulator")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <n>", "port to listen on (0 = ephemeral)", integer(0, 65535), 8000)
    .option("--model <name>", "served model name (repeatable, at least one)", collect, [])
    .option("--embedding-model <name>", "served embedding model name (repeatable)", collect, [])
    .option("--max-num-seqs <n>", "max requests generating at once (default 256)", integer(1))
    .option("--ttft-ms <n>", "time to first token in ms (default 0)", decimal(0))
    .option("--itl-ms <n>", "inter-token latency in ms (default 0)", decimal(0))
    .option("--embedding-dim <n>", "embedding dimensions (default 768)", integer(1, 65536))
    .option("--error-rate <p>", "fraction 0..1 of requests failing with 500 (default 0)", decimal(0, 1))
    .option("--seed <n>", "seed for deterministic outputs (default 0)", integer(0))
    .option("--max-loras <n>", "max loaded LoRA adapters (default 8)", integer(0))
    .option("--default-max-tokens <n>", "output length bound without max_tokens (default 16)", integer(1))
    .action(async (flags: SimFlags, command: Command) => {
      if (flags.model.length + flags.embeddingModel.length === 0) {
        command.error("error: at least one --model (or --embedding-model) is required", { exitCode: 2 });
      }
      const options: SimOptions = {
        host: flags.host,
        port: flags.port,
        models: flags.model,
        embeddingModels: flags.embeddingModel,
        maxNumSeqs: flags.maxNumSeqs,
        ttftMs: flags.ttftMs,
        itlMs: flags.itlMs,
        embeddingDim: flags.embeddingDim,
        errorRate: flags.errorRate,
        seed: flags.seed,
        maxLoras: flags.maxLoras,
        defaultMaxTokens: flags.defaultMaxTokens,
      };
      const sim = await startSimulator(options);
      const log = io.log ?? ((line: string) => console.log(line));
      const served = [...flags.model, ...flags.embeddingModel].join(", ");
      log(`tollgate sim listening on ${sim.url} (models: ${served})`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          io.stop?.removeEventListener("abort", stop);
          resolve();
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        if (io.stop?.aborted) stop();
        else io.stop?.addEventListener("abort", stop, { once: true });
      });
      await sim.close();
    });
}
