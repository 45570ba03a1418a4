import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateStorage, openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import { afterAll, beforeAll } from "vitest";
import { postgresAvailable, throwawayDatabase, throwawayRole } from "../helpers/postgres.js";

export interface Opened {
  store: Store;
  /** The `storage:` URL the store was opened with. */
  url: string;
  adminUrl?: string;
  appUrl?: string;
  cleanup: () => Promise<void>;
}

export interface Backend {
  readonly name: string;
  readonly available: boolean;
  /** A migrated store; on PostgreSQL connected as a non-owner role (row-level security applies). */
  open(): Promise<Opened>;
}

/**
 * A suite's store on `backend`: opened before its tests (`onOpen` gets it), closed and cleaned up
 * after them — after the suite's own afterAll hooks, which run first. An unavailable backend opens
 * nothing (the suite's tests skip themselves).
 */
export function useBackend(backend: Backend, onOpen: (opened: Opened) => void | Promise<void>): void {
  let opened: Opened | undefined;
  beforeAll(async () => {
    if (!backend.available) return;
    opened = await backend.open();
    await onOpen(opened);
  });
  afterAll(async () => {
    if (opened === undefined) return;
    await opened.store.close();
    await opened.cleanup();
  });
}

export const backends: Backend[] = [
  {
    name: "sqlite",
    available: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "tollgate-store-"));
      const url = `sqlite://${join(dir, "s.db")}`;
      const store = openStore(url);
      await store.migrate();
      return { store, url, cleanup: async () => rmSync(dir, { recursive: true }) };
    },
  },
  {
    name: "postgres",
    available: postgresAvailable,
    async open() {
      const db = await throwawayDatabase();
      const role = await throwawayRole(db.url);
      const store = openStore(role.url);
      await migrateStorage({ storage: role.url, storage_admin: db.url }, store);
      return {
        store,
        url: role.url,
        adminUrl: db.url,
        appUrl: role.url,
        cleanup: async () => {
          await db.drop();
          await role.drop();
        },
      };
    },
  },
];
