import type { AuditLog } from "./audit/audit-log.js";
import { AdminAuthenticator } from "./auth/admin-authenticator.js";
import type { ApiKeyAuthenticator } from "./auth/api-key-authenticator.js";
import { JwtInferenceAuthenticator } from "./auth/jwt-inference.js";
import { JwtVerifier } from "./auth/jwt-verifier.js";
import { LastUsedRecorder } from "./auth/last-used.js";
import { DEFAULT_TIER_WEIGHTS } from "./config/scheduler-schema.js";
import type { Config } from "./config/schema.js";
import type { ExternalGuard } from "./customize/external-guard.js";
import type { Store } from "./store/port.js";
import type { ManagedKeyRepository } from "./store/tenant-port.js";
import { applyTenants, type ApplyPlan } from "./tenancy/apply-tenants.js";
import { buildModelRoutes, Catalog } from "./tenancy/catalog.js";
import type { ModelRoute } from "./tenancy/policy.js";
import { TenantDirectory } from "./tenancy/tenant-directory.js";
import { buildSnapshot, type TenantSnapshot } from "./tenancy/tenant-snapshot.js";
import { parseSpec } from "./tenancy/tenant-spec.js";
import { tenantAudit } from "./tenancy/admin-audit.js";
import { listPrices, PriceBook } from "./usage/price-book.js";

interface Log {
  warn(obj: object, msg: string): void;
}

/**
 * The control plane's part of the composition root (called by src/app.ts): the tenant directory
 * that the catalog, customize stage, price book and scheduler read, the admin authenticator, OIDC
 * for inference, and last-use tracking of keys.
 */
export interface ControlPlane {
  readonly directory: TenantDirectory;
  readonly catalog: Catalog;
  readonly models: ReadonlyMap<string, ModelRoute>;
  readonly prices: PriceBook;
  readonly lastUsed: LastUsedRecorder;
  readonly adminAuth: AdminAuthenticator;
  readonly inferenceJwt: JwtInferenceAuthenticator | null;
  /** Cached key lookups are dropped whenever the control revision moves. */
  attach(authenticator: ApiKeyAuthenticator): void;
  start(
    audit: AuditLog | null,
    log: Log | null,
    onTenantsChanged?: (changed: readonly TenantSnapshot[]) => void,
  ): void;
  close(): Promise<void>;
}

/** Config-as-code at start-up: the config's `tenants:` applied into the store, like `tollgate apply` (no prune). */
export function seedConfigTenants(config: Config, store: Store): Promise<ApplyPlan> {
  return applyTenants(store, config.tenants);
}

export interface ControlPlaneHooks {
  readonly externalGuard: (url: string, timeoutMs: number) => ExternalGuard;
  /** What seeding applied (recorded in the audit trail at start, orphans logged). */
  readonly seed?: ApplyPlan;
  /** Where keys' last use is written (batched): the store writes' thread by default in app.ts. */
  readonly keyUses?: Pick<ManagedKeyRepository, "touch">;
}

export async function openControlPlane(
  config: Config,
  store: Store,
  resolveUpstream: (url: string) => string,
  hooks: ControlPlaneHooks,
): Promise<ControlPlane> {
  const models = buildModelRoutes(config, resolveUpstream);
  const { list, versions } = listPrices(config.models);
  const context = {
    models,
    listPrices: list,
    tierWeights: { ...DEFAULT_TIER_WEIGHTS, ...config.scheduler.tier_weights },
    externalGuard: hooks.externalGuard,
  };
  let authenticator: ApiKeyAuthenticator | null = null;
  let log: Log | null = null;
  let onTenantsChanged: ((changed: readonly TenantSnapshot[]) => void) | undefined;
  const directory = new TenantDirectory({
    repository: store.tenants,
    build: (t) => {
      const parsed = parseSpec(t.spec);
      if (!parsed.ok)
        throw new Error(`tenant ${t.id}: stored spec is invalid: ${parsed.problems.join("; ")}`);
      return buildSnapshot(t.id, parsed.spec, t.status, context);
    },
    onRevision: () => authenticator?.clearCache(),
    onChange: (changed) => onTenantsChanged?.(changed),
    onError: (err, tenant) => log?.warn({ err, tenant }, "tenant directory: refresh failed"),
  });
  // A store that fails right after migrating leaves the directory empty; the poller keeps trying.
  await directory.refresh().catch(() => undefined);
  const oidc = config.auth.oidc;
  const jwt =
    oidc === undefined
      ? null
      : new JwtVerifier({
          issuer: oidc.issuer,
          audience: oidc.audience,
          jwksUrl: oidc.jwks_url,
          algorithms: oidc.algorithms,
          claims: oidc.claims,
          roleMap: oidc.role_map,
          clockToleranceSec: oidc.clock_tolerance_seconds,
        });
  const status = (id: string) => directory.snapshot(id)?.status;
  const lastUsed = new LastUsedRecorder(hooks.keyUses ?? store.keys);
  return {
    directory,
    catalog: new Catalog(directory, models),
    models,
    prices: new PriceBook(list, directory.negotiated, versions),
    lastUsed,
    adminAuth: new AdminAuthenticator({
      configKeys: config.admin.api_keys,
      repository: store.adminKeys,
      jwt,
    }),
    inferenceJwt:
      jwt !== null && oidc?.inference === true
        ? new JwtInferenceAuthenticator({
            verifier: jwt,
            tenantExists: (id) => status(id) !== undefined,
            tenantSuspended: (id) => status(id) === "suspended",
          })
        : null,
    attach(a) {
      authenticator = a;
    },
    start(audit, logger, changed) {
      log = logger;
      onTenantsChanged = changed;
      for (const p of hooks.seed?.tenants ?? []) {
        if (p.action === "orphan") {
          log?.warn(
            { tenant: p.id },
            "tenant defined by config-as-code earlier is no longer in the config: kept in the store (tollgate tenants delete, or apply --prune)",
          );
        } else if (p.action !== "unchanged" || p.keys.length > 0) {
          audit?.record(tenantAudit({ id: "config", sourceIp: null }, "tenant.apply", p));
        }
      }
      directory.start();
      lastUsed.start();
    },
    async close() {
      await directory.stop();
      await lastUsed.stop();
    },
  };
}
