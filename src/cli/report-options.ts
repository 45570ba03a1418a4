import { InvalidArgumentError } from "commander";
import type { Config } from "../config/schema.js";
import { migrateStorage, openStore } from "../store/open.js";
import type { Store } from "../store/port.js";

/** Usage errors exit with status 2. */
export function usageError(message: string): InvalidArgumentError {
  const err = new InvalidArgumentError(message);
  err.exitCode = 2;
  return err;
}

/** "2026-11-01" (00:00 UTC) or an ISO-8601 time with its offset. */
export function parseInstant(value: string): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const time = day ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(time) || !(day || /T.*(Z|[+-]\d{2}:?\d{2})$/.test(value))) {
    throw usageError('expected a date such as "2026-11-01" or a time such as "2026-11-01T12:00:00Z"');
  }
  return new Date(time);
}

export function parseChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value))
      throw usageError(`expected one of: ${choices.join(", ")}`);
    return value as T;
  };
}

/** Refuses a tenant the config does not define (exit 2). */
export function checkTenant(config: Config, tenant: string): void {
  if (!(tenant in config.tenants)) {
    console.error(`unknown tenant "${tenant}" (known: ${Object.keys(config.tenants).join(", ")})`);
    process.exit(2);
  }
}

/** Opens the configured store (as the gateway does: migrations first) for a report, and closes it. */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(config.storage, { poolSize: 2 });
  try {
    await migrateStorage(config, store);
    return await fn(store);
  } finally {
    await store.close();
  }
}
