import type { Command } from "commander";
import type { KeyRateLimits } from "../auth/principal.js";
import { parseInteger } from "./options.js";

export interface KeyFlags {
  name?: string;
  models?: string;
  scopes?: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  concurrentRequests?: number;
}

/** A key's own settings as flags: name, a subset of models, scopes, its own limits. */
export function keyOptions(cmd: Command): Command {
  return cmd
    .option("-n, --name <name>", "a name to recognise the key by")
    .option("--models <list>", "comma-separated subset of the tenant's models")
    .option("--scopes <list>", "inference,usage (default: both)")
    .option("--requests-per-minute <n>", "the key's own limit", parseInteger(1))
    .option("--tokens-per-minute <n>", "the key's own limit", parseInteger(1))
    .option("--concurrent-requests <n>", "the key's own limit", parseInteger(1));
}

const list = (s: string | undefined) =>
  s === undefined
    ? undefined
    : s
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== "");

/** The flags as an admin API body (create or update) and as a stored key's settings. */
export function keyBody(o: KeyFlags) {
  const limits =
    o.requestsPerMinute === undefined && o.tokensPerMinute === undefined && o.concurrentRequests === undefined
      ? undefined
      : {
          requests_per_minute: o.requestsPerMinute,
          tokens_per_minute: o.tokensPerMinute,
          concurrent_requests: o.concurrentRequests,
        };
  const models = list(o.models);
  const scopes = list(o.scopes);
  const patch: Record<string, unknown> = {};
  if (o.name !== undefined) patch.name = o.name;
  if (models !== undefined) patch.models_allowed = models;
  if (scopes !== undefined) patch.scopes = scopes;
  if (limits !== undefined) patch.rate_limits = limits;
  const rateLimits: KeyRateLimits | null =
    limits === undefined
      ? null
      : {
          requestsPerMinute: limits.requests_per_minute,
          tokensPerMinute: limits.tokens_per_minute,
          concurrentRequests: limits.concurrent_requests,
        };
  return {
    patch,
    record: {
      rateLimits,
      models: models === undefined ? null : new Set(models),
      scopes: scopes === undefined ? null : new Set(scopes),
    },
  };
}
