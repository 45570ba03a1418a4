import { openPostgresStore } from "./postgres/store.js";
import type { Store } from "./port.js";
import { openSqliteStore } from "./sqlite/store.js";

/** Opens the store named by a `storage:` URL: `sqlite://<path>` or `postgres://…`. */
export function openStore(url: string): Store {
  if (url.startsWith("sqlite://")) return openSqliteStore(url.slice("sqlite://".length));
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgresStore(url);
  throw new Error(`unsupported storage URL: ${url}`);
}
