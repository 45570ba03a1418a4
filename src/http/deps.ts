import type { AdmissionService } from "../admission/admission-service.js";
import type { AuditLog, AuditReader } from "../audit/audit-log.js";
import type { ApiKeyAuthenticator } from "../auth/api-key-authenticator.js";
import type { JwtInferenceAuthenticator } from "../auth/jwt-inference.js";
import type { AdminDeps } from "./admin/admin-deps.js";
import type { CacheSalts } from "../customize/cache-salt.js";
import type { ProviderSecrets } from "../secrets/provider-secrets.js";
import type { UpstreamAuth } from "../secrets/upstream-auth.js";
import type { ResponseCache } from "../customize/response-cache.js";
import type { TenantCustomization } from "../customize/tenant-customization.js";
import type { EndpointHealth } from "../upstream/endpoint-health.js";
import type { LoraManager } from "../upstream/lora-manager.js";
import type { LedgerRepository } from "../store/port.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import type { Catalog } from "../tenancy/catalog.js";
import type { GatewayMetrics } from "../telemetry/metrics.js";
import type { EndpointPicker } from "../upstream/endpoint-picker.js";
import type { EngineClient } from "../upstream/engine-client.js";
import type { MeterPrices } from "../usage/request-meter.js";
import type { UsageSink } from "../usage/usage-event.js";

/** Everything the HTTP layer needs, built by the composition root (src/app.ts). */
export interface GatewayDeps {
  readonly catalog: Catalog;
  readonly authenticator: ApiKeyAuthenticator;
  /** The admin API (/admin/v1); absent: not mounted. */
  readonly admin?: AdminDeps | null;
  /** OIDC tokens on /v1 (`auth.oidc.inference: true`); absent otherwise. */
  readonly inferenceJwt?: JwtInferenceAuthenticator | null;
  readonly engines: EngineClient;
  readonly picker: EndpointPicker;
  readonly admission: AdmissionService;
  /** The schedule stage: a slot on an endpoint of the request's pool (fair queue or pass-through). */
  readonly scheduler: Scheduler;
  /** Each tenant's compiled customization (the tenant directory's current snapshots). */
  readonly customizations: { get(tenantId: string): TenantCustomization | undefined };
  readonly salts: CacheSalts;
  readonly responseCache: ResponseCache;
  readonly loras: LoraManager;
  readonly health: EndpointHealth;
  readonly routing: { readonly retries: number };
  /** Wall clock (ms since the epoch): the same one admission uses. */
  readonly clock: () => number;
  /** Prices in effect per tenant and time, model versions: every request's meter reads them. */
  readonly prices: MeterPrices;
  /** The usage ledger in the store: GET /v1/usage reads it, scoped to the caller's tenant. */
  readonly ledger: LedgerRepository;
  /** Every settled request goes to each sink (admission settlement, metrics, ledger). */
  readonly sinks: readonly UsageSink[];
  readonly metrics: GatewayMetrics;
  /** The audit trail: every admin action is recorded here (inference calls by the usage ledger). */
  readonly audit: AuditLog;
  /** Audit queries (tenant-scoped or platform-wide). */
  readonly auditReader: AuditReader;
  /** Tenants' provider secrets (set, list, delete; never read back through the API). */
  readonly secrets: ProviderSecrets;
  /** The dispatch stage's per-tenant upstream credentials (models.<name>.upstream_auth). */
  readonly upstreamAuth: UpstreamAuth;
  readonly limits: {
    readonly bodyLimit: number;
    readonly requestTimeoutMs: number;
    readonly trustProxy: boolean;
    /** 1 + prompt_estimate_margin_percent / 100. */
    readonly promptEstimateFactor: number;
    /** Responses larger than this are not cached. */
    readonly responseCacheMaxBytes: number;
  };
  /** Readiness problems (empty when ready). */
  readonly readiness: () => Promise<string[]>;
}
