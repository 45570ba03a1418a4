import type { SimOptions } from "./server.js";

export type ResolvedSimOptions = Required<SimOptions>;

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`simulator: ${message}`);
}

const isInt = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;
const isNonNegative = (n: number): boolean => Number.isFinite(n) && n >= 0;

/** Fills in the defaults and rejects values no engine could run with. */
export function resolveOptions(opts: SimOptions): ResolvedSimOptions {
  const resolved: ResolvedSimOptions = {
    host: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    models: [...opts.models],
    embeddingModels: [...(opts.embeddingModels ?? [])],
    maxNumSeqs: opts.maxNumSeqs ?? 256,
    ttftMs: opts.ttftMs ?? 0,
    itlMs: opts.itlMs ?? 0,
    embeddingDim: opts.embeddingDim ?? 768,
    errorRate: opts.errorRate ?? 0,
    seed: opts.seed ?? 0,
    maxLoras: opts.maxLoras ?? 8,
    defaultMaxTokens: opts.defaultMaxTokens ?? 16,
  };
  check(resolved.models.length + resolved.embeddingModels.length > 0, "at least one model name is required");
  check(
    [...resolved.models, ...resolved.embeddingModels].every((m) => typeof m === "string" && m.length > 0),
    "model names must be non-empty strings",
  );
  check(isInt(resolved.port, 0) && resolved.port <= 65535, "port must be an integer in 0..65535");
  check(isInt(resolved.maxNumSeqs, 1), "maxNumSeqs must be an integer >= 1");
  check(isNonNegative(resolved.ttftMs), "ttftMs must be a number >= 0");
  check(isNonNegative(resolved.itlMs), "itlMs must be a number >= 0");
  check(isInt(resolved.embeddingDim, 1), "embeddingDim must be an integer >= 1");
  check(isNonNegative(resolved.errorRate) && resolved.errorRate <= 1, "errorRate must be in 0..1");
  check(Number.isFinite(resolved.seed), "seed must be a finite number");
  check(isInt(resolved.maxLoras, 0), "maxLoras must be an integer >= 0");
  check(isInt(resolved.defaultMaxTokens, 1), "defaultMaxTokens must be an integer >= 1");
  return resolved;
}
