import type { Price } from "../usage/pricing.js";

/** Immutable, precomputed view of one tenant: what the hot path reads. */
export interface TenantPolicy {
  readonly id: string;
  readonly tier: string;
  readonly priority: "high" | "medium" | "low";
  readonly models: ReadonlySet<string>;
  readonly rateLimits: {
    readonly requestsPerMinute?: number | undefined;
    readonly tokensPerMinute?: number | undefined;
    readonly concurrentRequests?: number | undefined;
  };
  readonly budget: {
    readonly dailyMicros?: number | undefined;
    readonly monthlyMicros?: number | undefined;
    readonly alertThresholdPercent: number;
    readonly alertWebhookUrl?: string | undefined;
  };
  readonly dailyTokenLimit?: number | undefined;
  readonly monthlyTokenLimit?: number | undefined;
  /** Tenant-defined names for its models ("fast" → "llama-3.1-8b"). */
  readonly aliases: ReadonlyMap<string, string>;
  /** Per model, the models to try in order when its engines are all unavailable. */
  readonly fallbacks: ReadonlyMap<string, readonly string[]>;
  /** The tenant's own LoRA adapters, by public name "<base>:<adapter>". */
  readonly loraRoutes: ReadonlyMap<string, ModelRoute>;
}

/** A LoRA adapter as the engine knows it. */
export interface LoraAdapter {
  /** Engine-side name: tenant-qualified, so two tenants' adapters never collide. */
  readonly name: string;
  readonly path: string;
  /** The base model's route (its endpoints). */
  readonly base: string;
}

export type ModelKind = "chat" | "embedding";

/** A public model as tenants see it, and where it is served. */
export interface ModelRoute {
  readonly name: string;
  readonly kind: ModelKind;
  /** Name sent upstream in the `model` field. */
  readonly servedModel: string;
  /** Base URLs of OpenAI-compatible engines, without a trailing slash or `/v1`. */
  readonly upstreams: readonly string[];
  readonly price: Price;
  readonly maxOutputTokens: number;
  readonly maxNumSeqs: number;
  /** Whether the engines take vLLM's `cache_salt`. */
  readonly cacheSalt: boolean;
  readonly maxLoras: number;
  readonly affinity: "none" | "prefix";
  /** Set when this route is a tenant's LoRA adapter on a base model. */
  readonly lora?: LoraAdapter | undefined;
}
