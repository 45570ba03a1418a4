import type { FastifyInstance } from "fastify";
import { AdmissionService } from "./admission/admission-service.js";
import { MemoryLimiter } from "./admission/memory/limiter.js";
import { openLimiter } from "./admission/open-limiter.js";
import { ApiKeyAuthenticator, type KnownKey } from "./auth/api-key-authenticator.js";
import type { AuditTrail } from "./audit/audit-trail.js";
import { inferenceChain } from "./audit/inference-audit.js";
import { openAuditTrail } from "./audit/open-audit-trail.js";
import type { Config } from "./config/schema.js";
import { CacheSalts } from "./customize/cache-salt.js";
import { MemoryResponseCache } from "./customize/memory/response-cache.js";
import { RedisResponseCache } from "./customize/redis/response-cache.js";
import type { ResponseCache } from "./customize/response-cache.js";
import { auditRoutes } from "./http/admin/audit-routes.js";
import { secretRoutes } from "./http/admin/secrets-routes.js";
import { buildServer } from "./http/server.js";
import { startSimulator, type RunningSim } from "./sim/server.js";
import type { Store } from "./store/port.js";
import { migrateStorage, openStore } from "./store/open.js";
import { openStoreWrites } from "./store/open-writes.js";
import type { Catalog } from "./tenancy/catalog.js";
import type { ApplyPlan } from "./tenancy/apply-tenants.js";
import { openControlPlane, seedConfigTenants } from "./control-plane.js";
import { admissionMetrics, setBudgetGauges } from "./telemetry/admission-metrics.js";
import { AlertWebhook } from "./telemetry/alert-webhook.js";
import { auditMetrics } from "./telemetry/audit-metrics.js";
import { ledgerMetrics } from "./telemetry/ledger-metrics.js";
import { MetricsSink } from "./telemetry/metrics-sink.js";
import { GatewayMetrics } from "./telemetry/metrics.js";
import { EndpointPicker } from "./upstream/endpoint-picker.js";
import { openScheduler } from "./scheduler/open-scheduler.js";
import { buildPoolTable } from "./scheduler/pools.js";
import { schedulerMetrics } from "./telemetry/scheduler-metrics.js";
import { EngineClient } from "./upstream/engine-client.js";
import { EndpointHealth } from "./upstream/endpoint-health.js";
import { HealthChecker } from "./upstream/health-checker.js";
import { HttpGuard } from "./upstream/http-guard.js";
import { LoraManager } from "./upstream/lora-manager.js";
import type { Journal } from "./usage/journal/journal.js";
import { Ledger } from "./usage/ledger.js";
import { openJournal } from "./usage/open-journal.js";
import { generateChainId, openAuditJournal } from "./audit/open-audit.js";
import { openProviderSecrets } from "./secrets/open-secrets.js";
import type { UsageSink } from "./usage/usage-event.js";

export interface GatewayOptions {
  /** Fastify/pino logger options; false for none (tests). */
  readonly logger?: boolean | { level: string };
  /** Extra usage sinks (tests, the ledger). */
  readonly sinks?: readonly UsageSink[];
  /** Collect process metrics (CPU, memory, event loop); off in tests that build many gateways. */
  readonly processMetrics?: boolean;
  /** Wall clock for limits and periods (ms since the epoch); tests move it. */
  readonly clock?: () => number;
  /** First retry delay of alert webhooks (tests shorten it). */
  readonly webhookBaseDelayMs?: number;
}

export interface Gateway {
  readonly server: FastifyInstance;
  readonly store: Store;
  readonly catalog: Catalog;
  readonly metrics: GatewayMetrics;
  readonly admission: AdmissionService;
  /** The usage ledger: journal, replay into the store, backlog. */
  readonly ledger: Ledger;
  /** The audit trail: this replica's hash chain, journal and batched writer. */
  readonly audit: AuditTrail;
  /** Tenants' provider secrets (sealed in the store) and the per-request upstream credentials. */
  readonly secrets: Awaited<ReturnType<typeof openProviderSecrets>>;
  /** In-process simulators started for `sim://` upstreams, by name. */
  readonly simulators: ReadonlyMap<string, RunningSim>;
  /** Starts listening; resolves to the base URL (e.g. http://127.0.0.1:8080). */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

function configKeys(config: Config): KnownKey[] {
  return Object.entries(config.tenants).flatMap(([tenantId, t]) =>
    t.api_keys.map((k, i) => ({
      id: `cfg_${tenantId}_${k.name ?? i}`,
      tenantId,
      name: k.name ?? null,
      hash: k.sha256.toLowerCase(),
      expiresAt: k.expires_at === undefined ? null : new Date(k.expires_at),
      revokedAt: null,
      rateLimits:
        k.rate_limits === undefined
          ? null
          : {
              requestsPerMinute: k.rate_limits.requests_per_minute,
              tokensPerMinute: k.rate_limits.tokens_per_minute,
              concurrentRequests: k.rate_limits.concurrent_requests,
            },
      models: k.models_allowed === undefined ? null : new Set(k.models_allowed),
    })),
  );
}

async function startSimulators(config: Config): Promise<Map<string, RunningSim>> {
  const served = (sim: string) =>
    Object.entries(config.models).filter(
      ([name, m]) =>
        m.upstreams.includes(`sim://${sim}`) ||
        Object.values(config.pools).some(
          (p) => p.models.includes(name) && p.upstreams.includes(`sim://${sim}`),
        ),
    );
  const sims = new Map<string, RunningSim>();
  try {
    for (const [name, s] of Object.entries(config.simulators)) {
      const models = served(name);
      sims.set(
        name,
        await startSimulator({
          models: models.filter(([, m]) => m.kind === "chat").map(([n, m]) => m.served_model ?? n),
          embeddingModels: models
            .filter(([, m]) => m.kind === "embedding")
            .map(([n, m]) => m.served_model ?? n),
          maxNumSeqs: s.max_num_seqs,
          ttftMs: s.ttft_ms,
          itlMs: s.itl_ms,
          embeddingDim: s.embedding_dim,
          errorRate: s.error_rate,
          seed: s.seed,
        }),
      );
    }
  } catch (err) {
    await Promise.all([...sims.values()].map((s) => s.close()));
    throw err;
  }
  return sims;
}

/** The composition root: builds every part of a gateway from its configuration. */
export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const store = openStore(config.storage, { poolSize: config.storage_pool_size });
  let simulators = new Map<string, RunningSim>();
  let journal: Journal | null = null;
  let auditJournal: Journal | null = null;
  let secrets: Awaited<ReturnType<typeof openProviderSecrets>>;
  let seed: ApplyPlan | undefined;
  try {
    await migrateStorage(config, store);
    seed = await seedConfigTenants(config, store);
    secrets = await openProviderSecrets(config, store.secrets);
    journal = await openJournal(config.usage, config.storage);
    auditJournal = await openAuditJournal(config.audit, config.usage, config.storage);
    simulators = await startSimulators(config);
  } catch (err) {
    await auditJournal?.close();
    await journal?.close();
    await store.close();
    throw err;
  }
  const resolveUpstream = (url: string): string =>
    url.startsWith("sim://") ? simulators.get(url.slice("sim://".length))!.url : url;
  let log: FastifyInstance["log"] | null = null;
  const chainId = config.audit.chain_id ?? generateChainId();
  const writes = openStoreWrites(config, store, {
    inferenceChain: inferenceChain(chainId),
    onThreadError: (err) =>
      log?.error({ err }, "store writes thread failed: the next batch starts a new one"),
  });
  const control = await openControlPlane(config, store, resolveUpstream, {
    externalGuard: (url, timeoutMs) => new HttpGuard(url, timeoutMs),
    seed,
    keyUses: writes.keys,
  });
  const catalog = control.catalog;
  const pools = buildPoolTable(config, resolveUpstream);
  const metrics = new GatewayMetrics({ processMetrics: options.processMetrics ?? true });
  const s = config.server;
  const engines = new EngineClient({
    connections: s.upstream_connections,
    connectTimeoutMs: s.upstream_connect_timeout_ms,
    headersTimeoutMs: s.upstream_headers_timeout_ms,
    idleTimeoutMs: s.upstream_idle_timeout_ms,
    onFailure: (endpoint, kind) => metrics.upstreamErrors.inc({ endpoint, kind }),
  });
  const clock = options.clock ?? Date.now;
  const auditEvents = auditMetrics(metrics.registry, () => audit.backlog);
  const ledgerEvents = ledgerMetrics(metrics.registry, () => ledger.backlog);
  const ledger: Ledger = new Ledger({
    journal,
    repository: writes.ledger,
    ping: () => writes.ping(),
    batchSize: config.usage.batch_size,
    batchIntervalMs: config.usage.batch_interval_ms,
    drainTimeoutMs: config.usage.drain_timeout_ms,
    events: {
      ...ledgerEvents,
      onStored: (records, inserted) => {
        ledgerEvents.onStored?.(records, inserted);
        auditEvents.onStored?.(inserted); // each new event came with its inference audit record
      },
    },
  });
  const audit: AuditTrail = openAuditTrail(config.audit, auditJournal, writes.audit, {
    chainId,
    events: auditEvents,
  });
  const limiter = openLimiter(config.limits);
  const rc = config.response_cache;
  const responseCache: ResponseCache =
    rc.store === "memory"
      ? new MemoryResponseCache(rc.max_entries, clock)
      : new RedisResponseCache(rc.store, rc.key_prefix);
  const webhook = new AlertWebhook({
    url: config.alerts.webhook_url,
    secret: config.alerts.webhook_secret,
    timeoutMs: config.alerts.webhook_timeout_ms,
    retries: config.alerts.webhook_retries,
    baseDelayMs: options.webhookBaseDelayMs,
    onFailure: () => metrics.alertDeliveryFailures.inc(),
  });
  const admission = new AdmissionService({
    limiter,
    local: config.limits.on_limiter_failure === "local" ? new MemoryLimiter() : null,
    replicas: config.limits.replicas,
    leaseTtlMs: config.limits.lease_ttl_ms,
    tenantOf: (id) => catalog.tenant(id),
    clock,
    events: {
      ...admissionMetrics(metrics),
      onAlert: (alert) => {
        metrics.budgetAlerts.inc({ tenant: alert.tenantId, period: alert.period });
        log?.warn({ alert: { ...alert, at: alert.at.toISOString() } }, "budget alert");
        void webhook.send(alert);
      },
    },
  });
  setBudgetGauges(
    metrics,
    catalog.tenantIds().map((id) => catalog.tenant(id)!),
  );
  const routing = config.routing;
  const health = new EndpointHealth({
    failureThreshold: routing.failure_threshold,
    cooldownMs: routing.cooldown_ms,
    onEject: (endpoint) => metrics.ejections.inc({ endpoint }),
  });
  const endpoints = [
    ...new Set([
      ...catalog.allModels().flatMap((m) => m.upstreams),
      ...pools.pools().flatMap((p) => p.endpoints.map((e) => e.url)),
    ]),
  ];
  const checker = new HealthChecker(
    endpoints,
    health,
    {
      intervalMs: routing.health_check_interval_ms,
      timeoutMs: routing.health_check_timeout_ms,
      path: routing.health_check_path,
    },
    (endpoint, up) => metrics.endpointUp.set({ endpoint }, up ? 1 : 0),
  );
  const scheduler = openScheduler(config, {
    pools,
    available: (url) => health.available(url),
    weightOf: control.directory.weightOf,
    events: schedulerMetrics(metrics.registry, () => scheduler.snapshot()),
  });
  const authenticator = new ApiKeyAuthenticator({
    configKeys: configKeys(config),
    repository: store.keys,
    tenantExists: (id) => catalog.tenant(id) !== undefined,
    tenantSuspended: (id) => control.directory.snapshot(id)?.status === "suspended",
    now: clock,
    onUse: (key) => control.lastUsed.note(key),
  });
  control.attach(authenticator);
  const server = buildServer(
    {
      catalog,
      authenticator,
      engines,
      picker: new EndpointPicker(),
      customizations: control.directory.customizations,
      salts: new CacheSalts(config.isolation.cache_salt_secret),
      responseCache,
      loras: new LoraManager(engines),
      health,
      scheduler,
      routing: { retries: config.routing.retries },
      clock,
      prices: control.prices,
      inferenceJwt: control.inferenceJwt,
      admin: {
        store,
        auth: control.adminAuth,
        directory: control.directory,
        models: config.models,
        audit,
        clock,
        extraRoutes: [...auditRoutes(store.audit), ...secretRoutes(secrets.secrets)],
      },
      ledger: store.ledger,
      admission,
      sinks: [admission, new MetricsSink(metrics), ledger, ...(options.sinks ?? [])],
      audit,
      auditReader: store.audit,
      secrets: secrets.secrets,
      upstreamAuth: secrets.upstreamAuth,
      metrics,
      limits: {
        bodyLimit: s.body_limit,
        requestTimeoutMs: s.request_timeout_ms,
        trustProxy: s.trust_proxy,
        promptEstimateFactor: 1 + config.limits.prompt_estimate_margin_percent / 100,
        responseCacheMaxBytes: config.response_cache.max_entry_bytes,
      },
      readiness: async () => {
        try {
          await store.ping();
          return [...ledger.problems(), ...audit.problems()];
        } catch (err) {
          const problems = [...ledger.problems(), ...audit.problems()];
          return [`store: ${err instanceof Error ? err.message : String(err)}`, ...problems];
        }
      },
    },
    options.logger ?? false,
  );
  log = server.log;
  admission.start();
  ledger.start();
  audit.start();
  checker.start();
  control.start(audit, server.log, (changed) =>
    setBudgetGauges(
      metrics,
      changed.map((t) => t.policy),
    ),
  );
  for (const id of catalog.tenantIds()) {
    const tenant = catalog.tenant(id)!;
    if (tenant.budget.dailyMicros !== undefined || tenant.budget.monthlyMicros !== undefined) {
      admission.spend(tenant).catch(() => undefined); // gauges only; the limiter may still be starting
    }
  }

  return {
    server,
    store,
    catalog,
    metrics,
    admission,
    ledger,
    audit,
    secrets,
    simulators,
    async listen(port = s.port, host = s.host) {
      await server.listen({ port, host });
      const addr = server.server.address();
      const actual = typeof addr === "object" && addr !== null ? addr.port : port;
      return `http://${host.includes(":") ? `[${host}]` : host}:${actual}`;
    },
    async close() {
      checker.stop();
      await server.close();
      await scheduler.close();
      await admission.stop();
      await limiter.close();
      await responseCache.close();
      await engines.close();
      await Promise.all([...simulators.values()].map((sim) => sim.close()));
      await control.close();
      await ledger.close();
      await audit.close();
      await writes.close();
      await store.close();
    },
  };
}
