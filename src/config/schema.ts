import { z } from "zod";
import { checkUsageConfig, modelUsageShape, tenantUsageShape, usageSchema } from "./usage-schema.js";
import { checkTenant } from "./tenant-checks.js";
import { adminSchema, authSchema, tenantId } from "./access-schema.js";
import {
  isolationSchema,
  responseCacheSchema,
  routingSchema,
  tenantCustomizationShape,
} from "./customize-schema.js";
import { checkPools, poolName, poolSchema, schedulerSchema } from "./scheduler-schema.js";
import { auditSchema, modelControlShape, secretsSchema } from "./control-schema.js";

/**
 * The one configuration schema. Field names follow the seed's tenant-quotas ConfigMap
 * (snake_case), so `shared/seeds/quotas.yaml` loads as is.
 */

const usd = z.number().nonnegative();
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** A byte size: a number of bytes, or a string such as "1mb", "512kb". */
const byteSize = z.union([
  positiveInt,
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'expected a byte size such as 1048576, "512kb" or "1mb"')
    .transform((s) => {
      const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(s)!;
      const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? "b").toLowerCase() as "b"];
      return Math.floor(Number(m[1]) * unit);
    }),
]);

const rateLimitsSchema = z.strictObject({
  requests_per_minute: positiveInt.optional(),
  tokens_per_minute: positiveInt.optional(),
  concurrent_requests: positiveInt.optional(),
});

const apiKeyRef = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, "expected 64 hex characters (the SHA-256 of the key)"),
  name: z.string().min(1).optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  /** Limits of this key on its own, within the tenant's. */
  rate_limits: rateLimitsSchema.optional(),
  /** A subset of the tenant's models. */
  models_allowed: z.array(z.string().min(1)).min(1).optional(),
});

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, "expected an http(s):// URL");

export const tenantSchema = z.strictObject({
  tier: z.string().min(1),
  models_allowed: z.array(z.string().min(1)).min(1),
  rate_limits: rateLimitsSchema.default({}),
  budget: z
    .strictObject({
      daily_limit_usd: usd.optional(),
      monthly_limit_usd: usd.optional(),
      alert_threshold_percent: z.number().min(1).max(100).default(80),
      /** Budget alerts for this tenant also go here (besides alerts.webhook_url). */
      alert_webhook_url: httpUrl.optional(),
    })
    .default({ alert_threshold_percent: 80 }),
  priority: z.enum(["high", "medium", "low"]).default("medium"),
  /** Fair-share weight in the scheduler (default: scheduler.tier_weights of the tier). */
  weight: z.number().positive().optional(),
  daily_token_limit: positiveInt.optional(),
  monthly_token_limit: positiveInt.optional(),
  api_keys: z.array(apiKeyRef).default([]),
  ...tenantUsageShape,
  ...tenantCustomizationShape,
});

const pricingSchema = z.union([
  z.literal("free"),
  z.strictObject({
    input_per_1k: usd,
    output_per_1k: usd.default(0),
    cached_input_per_1k: usd.optional(),
    /** When this price took effect (earlier prices: `pricing_history`). */
    effective_from: z.iso.datetime({ offset: true }).optional(),
  }),
]);

const upstreamUrl = z
  .string()
  .regex(
    /^(https?:\/\/[^\s/]+(\/[^\s]*)?|sim:\/\/[a-z0-9-]+)$/i,
    "expected an http(s):// base URL or sim://<name>",
  );

export const modelSchema = z.strictObject({
  kind: z.enum(["chat", "embedding"]).default("chat"),
  served_model: z.string().min(1).optional(),
  upstreams: z.array(upstreamUrl).min(1),
  pricing: pricingSchema.optional(),
  max_output_tokens: positiveInt.default(4096),
  max_num_seqs: positiveInt.default(256),
  /** The pool its upstreams form (default: the model's name); models may share one. */
  pool: poolName.optional(),
  /** The engines accept vLLM's per-request `cache_salt` (vLLM ≥ 0.9); false for engines that reject it. */
  cache_salt: z.boolean().default(true),
  /** The engines serve LoRA adapters loaded at run time (vLLM --enable-lora, VLLM_ALLOW_RUNTIME_LORA_UPDATING). */
  lora: z.boolean().default(false),
  /** LoRA adapters kept loaded per endpoint; the least recently used is unloaded beyond this. */
  max_loras: positiveInt.default(8),
  ...modelUsageShape,
  ...modelControlShape,
  /** Endpoint choice: least in flight, or `prefix` affinity (same tenant + prompt prefix → same endpoint, warm cache). */
  affinity: z.enum(["none", "prefix"]).default("none"),
});

export const simulatorSchema = z.strictObject({
  max_num_seqs: positiveInt.default(256),
  ttft_ms: nonNegativeInt.default(0),
  itl_ms: nonNegativeInt.default(0),
  embedding_dim: positiveInt.default(768),
  error_rate: z.number().min(0).max(1).default(0),
  seed: nonNegativeInt.default(0),
});

const serverSchema = z.strictObject({
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8080),
  body_limit: byteSize.default(4 * 1024 * 1024),
  /** Upper bound on one whole request, streaming included. */
  request_timeout_ms: positiveInt.default(600_000),
  /** Time allowed for the engine to answer with headers (the first token of a stream). */
  upstream_headers_timeout_ms: positiveInt.default(120_000),
  /** Longest silence allowed between two chunks of an engine's response. */
  upstream_idle_timeout_ms: positiveInt.default(60_000),
  upstream_connect_timeout_ms: positiveInt.default(5_000),
  /** Connections kept per engine endpoint. */
  upstream_connections: positiveInt.default(128),
  trust_proxy: z.boolean().default(false),
});

const limitsSchema = z.strictObject({
  /** Where counters live: this process, or a Redis shared by every replica. */
  store: z
    .string()
    .regex(/^(memory|rediss?:\/\/\S+)$/, "expected memory or redis://host:port/db")
    .default("memory"),
  /**
   * When the Redis store is unreachable: `closed` refuses every request (503); `local` enforces
   * requests/tokens per minute and concurrency in this process at limit ÷ replicas. Budgets and
   * token quotas always fail closed.
   */
  on_limiter_failure: z.enum(["closed", "local"]).default("closed"),
  /** Prefix of every Redis key (several deployments may share one Redis). */
  key_prefix: z.string().min(1).default("tollgate:"),
  replicas: positiveInt.default(1),
  /** A replica that dies holds its concurrency slots and reservations at most this long. */
  lease_ttl_ms: z.number().int().min(1000).default(30_000),
  /** Added to the tokenizer's prompt count in reservations (engines' chat templates add tokens). */
  prompt_estimate_margin_percent: z.number().min(0).max(100).default(10),
});

const alertsSchema = z.strictObject({
  webhook_url: httpUrl.optional(),
  /** HMAC-SHA256 key for the x-tollgate-signature header; use ${ENV}. */
  webhook_secret: z.string().min(16, "use at least 16 characters").optional(),
  webhook_timeout_ms: positiveInt.default(5000),
  webhook_retries: nonNegativeInt.default(5),
});

const configShape = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  storage: z
    .string()
    .regex(/^(sqlite:\/\/.+|postgres(ql)?:\/\/.+)$/, "expected sqlite://<path> or postgres://…")
    .default("sqlite://./data/tollgate.db"),
  /** PostgreSQL: the owner's URL for migrations; `storage` then names a non-owner role (RLS applies). */
  storage_admin: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+$/, "expected postgres://owner@host/db")
    .optional(),
  /** PostgreSQL connections per gateway process. */
  storage_pool_size: positiveInt.max(1000).default(10),
  /**
   * The usage ledger's and the audit trail's batch writes run in a worker thread with its own
   * connection (one more PostgreSQL connection), off the event loop. Ignored for `sqlite://:memory:`.
   */
  storage_write_thread: z.boolean().default(true),
  usage: usageSchema.default(usageSchema.parse({})),
  audit: auditSchema.default(auditSchema.parse({})),
  secrets: secretsSchema.default(secretsSchema.parse({})),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .default({ level: "info" }),
  limits: limitsSchema.default(limitsSchema.parse({})),
  isolation: isolationSchema.default({}),
  routing: routingSchema.default(routingSchema.parse({})),
  response_cache: responseCacheSchema.default(responseCacheSchema.parse({})),
  alerts: alertsSchema.default(alertsSchema.parse({})),
  /** Admin API keys (bootstrap) and OIDC: docs/admin-api.md. */
  admin: adminSchema.default({ api_keys: [] }),
  auth: authSchema.default({}),
  simulators: z.record(z.string().regex(/^[a-z0-9-]+$/), simulatorSchema).default({}),
  scheduler: schedulerSchema.default(schedulerSchema.parse({})),
  /** Dedicated pools: engines of their own serving some models for some tenants. */
  pools: z.record(poolName, poolSchema(upstreamUrl)).default({}),
  models: z
    .record(z.string().min(1), modelSchema)
    .refine((m) => Object.keys(m).length > 0, "at least one model"),
  /** Config-as-code: applied into the store at every start (docs/admin-api.md); may be empty. */
  tenants: z.record(tenantId, tenantSchema).default({}),
});

/** Checks that span sections: every reference names something defined, every model has a price. */
export const configSchema = configShape.superRefine((cfg, ctx) => {
  checkPools(cfg, (path, message) => ctx.addIssue({ code: "custom", path, message }));
  checkUsageConfig(cfg, ctx);
  for (const [name, model] of Object.entries(cfg.models)) {
    if (model.pricing === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["models", name, "pricing"],
        message: "a model needs a price (input_per_1k, output_per_1k) or `pricing: free`",
      });
    }
    model.upstreams.forEach((url, i) => {
      const sim = /^sim:\/\/(.+)$/.exec(url)?.[1];
      if (sim !== undefined && !(sim in cfg.simulators)) {
        ctx.addIssue({
          code: "custom",
          path: ["models", name, "upstreams", i],
          message: `no simulator named "${sim}" under simulators:`,
        });
      }
    });
  }
  for (const [id, tenant] of Object.entries(cfg.tenants)) {
    checkTenant(tenant, cfg.models, (path, message) =>
      ctx.addIssue({ code: "custom", path: ["tenants", id, ...path], message }),
    );
  }
});

export type RawConfig = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type TenantConfig = z.output<typeof tenantSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type SimulatorConfig = z.output<typeof simulatorSchema>;
export type SchedulerConfig = z.output<typeof schedulerSchema>;
