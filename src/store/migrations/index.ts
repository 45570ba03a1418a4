import type { Migration, MigrationProvider } from "kysely";
import { apiKeys } from "./001-api-keys.js";
import { usageLedger } from "./002-usage-ledger.js";
import { rowLevelSecurity } from "./003-row-level-security.js";
import { tenants } from "./004-tenants.js";
import { auditLog } from "./005-audit-log.js";
import { tenantSecrets } from "./006-tenant-secrets.js";
import { ledgerWriter } from "./007-ledger-writer.js";
import { rollupsByTenant } from "./008-rollups-by-tenant.js";

/** Versioned migrations, applied in name order by Kysely's Migrator; never edit a released one. */
const migrations: Record<string, Migration> = {
  "001-api-keys": apiKeys,
  "002-usage-ledger": usageLedger,
  "003-row-level-security": rowLevelSecurity,
  "004-tenants": tenants,
  "005-audit-log": auditLog,
  "006-tenant-secrets": tenantSecrets,
  "007-ledger-writer": ledgerWriter,
  "008-rollups-by-tenant": rollupsByTenant,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
