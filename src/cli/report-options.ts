import { InvalidArgumentError } from "commander";
import type { Config } from "../config/schema.js";
import { migrateStorage, openStore } from "../store/open.js";
import type { Store } from "../store/port.js";
import { buildModelRoutes } from "../tenancy/catalog.js";
import type { TenantPolicy } from "../tenancy/policy.js";
import { tenantPolicy } from "../tenancy/tenant-policy.js";
import { parseSpec } from "../tenancy/tenant-spec.js";

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

/** Refuses a tenant that neither the config nor the store has (exit 2). */
export async function knownTenant(config: Config, store: Store, tenant: string): Promise<void> {
  if (tenant in config.tenants || (await store.tenants.get(tenant)) !== undefined) return;
  const known = [
    ...new Set([...Object.keys(config.tenants), ...(await store.tenants.list()).map((t) => t.id)]),
  ];
  console.error(`unknown tenant "${tenant}" (known: ${known.sort().join(", ")})`);
  process.exit(2);
}

/**
 * Every tenant's policy as the gateway sees it: the store's tenants (the source of truth), and the
 * config's own for a store no gateway has started on yet.
 */
export async function storedPolicies(config: Config, store: Store): Promise<Map<string, TenantPolicy>> {
  const models = buildModelRoutes(config, (url) => url);
  const out = new Map<string, TenantPolicy>();
  for (const [id, t] of Object.entries(config.tenants)) out.set(id, tenantPolicy(id, t, models));
  for (const t of await store.tenants.list()) {
    const parsed = parseSpec(t.spec);
    if (parsed.ok) out.set(t.id, tenantPolicy(t.id, parsed.spec, models));
  }
  return out;
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
