import type { Migration, MigrationProvider } from "kysely";
import { apiKeys } from "./001-api-keys.js";

/** Versioned migrations, applied in name order by Kysely's Migrator; never edit a released one. */
const migrations: Record<string, Migration> = {
  "001-api-keys": apiKeys,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
