import { openPostgresStore } from "./postgres/store.js";
import type { Store } from "./port.js";
import { openSqliteStore } from "./sqlite/store.js";

export interface OpenStoreOptions {
  /** PostgreSQL connections (`storage_pool_size`). */
  readonly poolSize?: number;
}

/** Opens the store named by a `storage:` URL: `sqlite://<path>` or `postgres://…`. */
export function openStore(url: string, options: OpenStoreOptions = {}): Store {
  if (url.startsWith("sqlite://")) return openSqliteStore(url.slice("sqlite://".length));
  if (url.startsWith("postgres://") || url.startsWith("postgresql://"))
    return openPostgresStore(url, options);
  throw new Error(`unsupported storage URL: ${url}`);
}

/** The role named in a postgres:// URL (the runtime role that `storage_admin` grants rights to). */
export function urlRole(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.username === "" ? undefined : decodeURIComponent(u.username);
  } catch {
    return undefined;
  }
}

/** The storage settings of the config. */
export interface StorageSettings {
  readonly storage: string;
  readonly storage_admin?: string | undefined;
  readonly storage_pool_size?: number;
}

/**
 * Applies pending migrations: as the owner (`storage_admin`, then granting the runtime role of
 * `storage` its rights) when one is configured, else through `store` itself.
 */
export async function migrateStorage(settings: StorageSettings, store: Store): Promise<void> {
  if (settings.storage_admin === undefined) return store.migrate();
  const admin = openStore(settings.storage_admin, { poolSize: 1 });
  try {
    await admin.migrate({ appRole: urlRole(settings.storage) });
  } finally {
    await admin.close();
  }
}
