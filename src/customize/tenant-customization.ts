import type { Config, TenantConfig } from "../config/schema.js";
import type { PromptCacheIsolation } from "./cache-salt.js";
import type { ExternalGuard } from "./external-guard.js";
import { Guardrails } from "./guardrails.js";
import { SystemPrompts } from "./system-prompts.js";

/** What the customize stage knows of one tenant, compiled once from the config. */
export interface TenantCustomization {
  readonly isolation: PromptCacheIsolation;
  readonly prompts: SystemPrompts;
  readonly guardrails: Guardrails | null;
  readonly externalGuard: { readonly guard: ExternalGuard; readonly failOpen: boolean } | null;
  readonly responseCache: { readonly ttlMs: number; readonly free: boolean } | null;
}

/** The parts of a tenant's configuration the customize stage compiles. */
type CustomizationConfig = Pick<
  TenantConfig,
  "prompt_cache" | "system_prompts" | "prompt_variables" | "guardrails" | "response_cache"
>;

/** Compiles one tenant's customization (at start-up, or when the tenant directory sees a change). */
export function buildCustomization(
  t: CustomizationConfig,
  externalGuard: (url: string, timeoutMs: number) => ExternalGuard,
): TenantCustomization {
  const webhook = t.guardrails?.webhook;
  return {
    isolation: t.prompt_cache,
    prompts: new SystemPrompts(t.system_prompts, t.prompt_variables),
    guardrails: t.guardrails === undefined ? null : new Guardrails(t.guardrails),
    externalGuard:
      webhook === undefined
        ? null
        : { guard: externalGuard(webhook.url, webhook.timeout_ms), failOpen: webhook.on_failure === "open" },
    responseCache: t.response_cache.enabled
      ? { ttlMs: t.response_cache.ttl_seconds * 1000, free: t.response_cache.billing === "free" }
      : null,
  };
}

export function buildCustomizations(
  config: Config,
  externalGuard: (url: string, timeoutMs: number) => ExternalGuard,
): Map<string, TenantCustomization> {
  const out = new Map<string, TenantCustomization>();
  for (const [id, t] of Object.entries(config.tenants)) out.set(id, buildCustomization(t, externalGuard));
  return out;
}
