import type { AuditLog } from "../../audit/audit-log.js";
import type { AdminAuthenticator } from "../../auth/admin-authenticator.js";
import type { ModelConfig } from "../../config/schema.js";
import type { Store } from "../../store/port.js";
import type { TenantDirectory } from "../../tenancy/tenant-directory.js";
import type { AnyRoute } from "./route.js";

/** What the admin API needs, built by the composition root. */
export interface AdminDeps {
  readonly store: Pick<Store, "tenants" | "keys" | "adminKeys" | "ledger">;
  readonly auth: AdminAuthenticator;
  /** Refreshed after each write, so this replica serves what it just wrote at once. */
  readonly directory: Pick<TenantDirectory, "refresh">;
  /** The gateway's models (tenants are checked against them; the catalogue lists them). */
  readonly models: Readonly<Record<string, ModelConfig>>;
  readonly audit: AuditLog;
  readonly clock: () => number;
  /** Routes other parts add to the admin API (see admin-routes.ts). */
  readonly extraRoutes?: readonly AnyRoute[];
}
