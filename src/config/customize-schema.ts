import { z } from "zod";

/** Per-tenant customization: prompt-cache isolation, aliases, system prompts, guardrails, LoRA, response cache. */

const positiveInt = z.number().int().positive();
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, "expected an http(s):// URL");

const regexSource = z.string().refine((src) => {
  try {
    new RegExp(src, "iu");
    return true;
  } catch {
    return false;
  }
}, "not a valid regular expression");

export const guardAction = z.enum(["block", "redact", "log", "off"]);

const guardrailsSchema = z.strictObject({
  /** Prompts with more tokens are refused (400 content_blocked). */
  max_input_tokens: positiveInt.optional(),
  /** Case-insensitive regular expressions; a match is handled by `deny_action`. */
  deny_patterns: z.array(regexSource).default([]),
  deny_action: guardAction.default("block"),
  pii: z
    .strictObject({
      email: guardAction.default("off"),
      phone: guardAction.default("off"),
      card: guardAction.default("off"),
      iban: guardAction.default("off"),
      secret: guardAction.default("off"),
    })
    .default({ email: "off", phone: "off", card: "off", iban: "off", secret: "off" }),
  /** Where the checks run: the prompt, the model's output (streams included), or both. */
  apply_to: z.enum(["input", "output", "both"]).default("both"),
  /** An external guard: POST {tenant, model, text} → {"allow": bool, "reason"?}; input only. */
  webhook: z
    .strictObject({
      url: httpUrl,
      timeout_ms: positiveInt.default(2000),
      /** When the guard fails or times out: let the request through (open) or refuse it (closed). */
      on_failure: z.enum(["open", "closed"]).default("closed"),
    })
    .optional(),
});

const systemPromptSchema = z.strictObject({
  id: z.string().min(1),
  /** Recorded on usage events; defaults to a hash of the template. */
  version: z.string().min(1).optional(),
  /** Public model names it applies to; all of the tenant's models when absent. */
  models: z.array(z.string().min(1)).optional(),
  /** prepend: before the client's messages (client system messages kept); enforce: client system messages dropped. */
  policy: z.enum(["prepend", "enforce"]).default("prepend"),
  /** Text with {{variables}}: tenant, model, user, date, and the tenant's prompt_variables. */
  template: z.string().min(1),
});

const loraSchema = z.strictObject({
  /** The public base model the adapter was trained for (must be in the tenant's models_allowed). */
  base: z.string().min(1),
  /** Where the engine loads it from (vLLM's lora_path). */
  path: z.string().min(1),
});

export const tenantCustomizationShape = {
  /** Prefix-cache isolation on engines: tenant (default), user (per end user too), or shared (opt-in). */
  prompt_cache: z.enum(["tenant", "user", "shared"]).default("tenant"),
  /** Tenant-defined model names, e.g. {default: llama-3.1-70b, fast: llama-3.1-8b}. */
  aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
  system_prompts: z.array(systemPromptSchema).default([]),
  prompt_variables: z.record(z.string().regex(/^\w+$/), z.string()).default({}),
  guardrails: guardrailsSchema.optional(),
  /** LoRA adapters this tenant owns, used as model "<base>:<name>". */
  lora_adapters: z.record(z.string().regex(/^[\w.-]+$/), loraSchema).default({}),
  /** Models to try, in order, when a model's engines are all unavailable: {llama-3.1-70b: [llama-3.1-8b]}. */
  fallbacks: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
  response_cache: z
    .strictObject({
      enabled: z.boolean().default(false),
      ttl_seconds: positiveInt.default(300),
      /** free: hits cost nothing (default); full: billed like the original request. */
      billing: z.enum(["free", "full"]).default("free"),
    })
    .default({ enabled: false, ttl_seconds: 300, billing: "free" }),
};

export const isolationSchema = z.strictObject({
  /** HMAC key of the per-tenant cache_salt; the same on every replica. Use ${ENV}. Random per process when absent. */
  cache_salt_secret: z.string().min(16, "use at least 16 characters").optional(),
});

export const responseCacheSchema = z.strictObject({
  store: z
    .string()
    .regex(/^(memory|rediss?:\/\/\S+)$/, "expected memory or redis://host:port/db")
    .default("memory"),
  max_entries: positiveInt.default(10_000),
  /** Responses larger than this are not cached. */
  max_entry_bytes: positiveInt.default(256 * 1024),
  key_prefix: z.string().min(1).default("tollgate:rc:"),
});

export const routingSchema = z.strictObject({
  /** Further endpoints tried after a connection error or a 502/503, before any byte was relayed. */
  retries: z.number().int().min(0).max(10).default(2),
  /** Consecutive failures that eject an endpoint (circuit breaker). */
  failure_threshold: positiveInt.default(5),
  /** How long an ejected endpoint rests before a trial request. */
  cooldown_ms: positiveInt.default(10_000),
  /** Active health checks: GET <endpoint><path> every interval (0 turns them off). */
  health_check_interval_ms: z.number().int().min(0).default(5000),
  health_check_path: z.string().startsWith("/").default("/health"),
  health_check_timeout_ms: positiveInt.default(2000),
});

export type GuardrailsConfig = z.output<typeof guardrailsSchema>;
export type SystemPromptConfig = z.output<typeof systemPromptSchema>;
