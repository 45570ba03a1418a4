import { InvalidArgumentError, Option } from "commander";
import { defaultConfigPath } from "../config/defaults.js";
import { ConfigError, loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";

export const configOption = (): Option =>
  new Option("-c, --config <file>", "configuration file (env TOLLGATE_CONFIG)").default(defaultConfigPath());

export function parseInteger(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer between ${min} and ${max}`);
    }
    return n;
  };
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "30d", "12h", "90m" → milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (m === null) throw new InvalidArgumentError('expected a duration such as "30d", "12h" or "90m"');
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** Loads the config or prints its problems and exits non-zero. */
export async function loadConfigOrExit(file: string): Promise<Config> {
  try {
    return await loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
