import { z } from "zod";

/**
 * The usage ledger's part of the configuration: dated prices per model, per-tenant price overrides,
 * the local journal and the batched store writes. Spread into schema.ts; checked by checkUsageConfig.
 */

const usd = z.number().nonnegative();
const positiveInt = z.number().int().positive();
const instant = z.iso.datetime({ offset: true });

/** A price in effect from `effective_from` until the next one takes over. */
const datedPriceSchema = z.strictObject({
  effective_from: instant,
  input_per_1k: usd,
  output_per_1k: usd.default(0),
  cached_input_per_1k: usd.optional(),
});

/** Fields added to `models.<name>`. */
export const modelUsageShape = {
  /** The served model's version (weights revision, image tag…), recorded on every usage event. */
  version: z.string().min(1).max(200).optional(),
  /** Earlier prices, oldest first; `pricing` (with its `effective_from`) follows the last one. */
  pricing_history: z.array(datedPriceSchema).default([]),
};

/** A tenant's negotiated price for a model: a discount on the list price, or rates of its own. */
const priceOverrideSchema = z.union([
  z.strictObject({ discount_percent: z.number().min(0).max(100) }),
  z.strictObject({
    input_per_1k: usd,
    output_per_1k: usd.default(0),
    cached_input_per_1k: usd.optional(),
  }),
]);

/** Fields added to `tenants.<id>`. */
export const tenantUsageShape = {
  /** By public model name, or "*" for every model without an entry of its own. */
  pricing_overrides: z.record(z.string().min(1), priceOverrideSchema).default({}),
};

const journalSchema = z.strictObject({
  /** Default: `<sqlite file>.usage-journal/` next to a SQLite store, `./data/usage-journal` otherwise. */
  dir: z.string().min(1).optional(),
  /**
   * When journaled events reach the disk. Every mode survives a crash of the gateway process (kill -9
   * included): a response waits for its event to be written to the journal file. "interval": an
   * fdatasync in the background at most every `fsync_interval_ms` (a power loss may lose that much).
   * "commit": every group commit is fdatasynced before its responses end (survives power loss, at an
   * fsync on every response's path). "off": the OS writes back in its own time. true/false mean
   * "commit"/"off".
   */
  fsync: z
    .union([z.enum(["commit", "interval", "off"]), z.boolean().transform((b) => (b ? "commit" : "off"))])
    .default("interval"),
  fsync_interval_ms: z.number().int().min(1).max(60_000).default(200),
  /**
   * Group commit window. 0: a write starts as soon as the event loop is free, and every event settled
   * while one is in flight shares the next. More (a few ms) means fewer writes (and, with
   * `fsync: commit`, fewer fsyncs on slow disks), at that much latency per response.
   */
  commit_interval_ms: z.number().min(0).max(1000).default(0),
  segment_bytes: positiveInt.min(65_536).default(64 * 1024 * 1024),
});

export const usageSchema = z.strictObject({
  journal: journalSchema.default(journalSchema.parse({})),
  /** Events per store transaction (one multi-row insert plus the rollup upserts). */
  batch_size: positiveInt.max(5000).default(500),
  /** Longest an event waits in the journal for a fuller batch before it is written to the store. */
  batch_interval_ms: z.number().int().min(0).max(60_000).default(200),
  /** On close, how long to keep draining the journal into the store before leaving the rest for the next start. */
  drain_timeout_ms: z.number().int().min(0).default(5000),
});

export type UsageConfig = z.output<typeof usageSchema>;

type DatedPrice = z.output<typeof datedPriceSchema>;

/** The parts of a parsed config the checks read (structural, so schema.ts can call this from superRefine). */
interface CheckedConfig {
  readonly storage: string;
  readonly storage_admin?: string | undefined;
  readonly models: Record<
    string,
    {
      readonly pricing?: "free" | { readonly effective_from?: string | undefined } | undefined;
      readonly pricing_history: readonly DatedPrice[];
    }
  >;
  readonly tenants: Record<
    string,
    { readonly models_allowed: readonly string[]; readonly pricing_overrides: Record<string, unknown> }
  >;
}

interface IssueSink {
  addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void;
}

/** Cross-field checks: dated prices in order, overrides of allowed models, an admin URL with a role to grant. */
export function checkUsageConfig(cfg: CheckedConfig, ctx: IssueSink): void {
  for (const [name, model] of Object.entries(cfg.models)) {
    const history = model.pricing_history;
    history.forEach((entry, i) => {
      const previous = history[i - 1];
      if (previous !== undefined && Date.parse(entry.effective_from) <= Date.parse(previous.effective_from)) {
        ctx.addIssue({
          code: "custom",
          path: ["models", name, "pricing_history", i, "effective_from"],
          message: "dated prices must be in increasing effective_from order",
        });
      }
    });
    const last = history[history.length - 1];
    if (last === undefined) continue;
    const from = typeof model.pricing === "object" ? model.pricing.effective_from : undefined;
    if (from === undefined || Date.parse(from) <= Date.parse(last.effective_from)) {
      ctx.addIssue({
        code: "custom",
        path: ["models", name, "pricing", "effective_from"],
        message: "with a pricing_history, the current pricing needs an effective_from after its last entry",
      });
    }
  }
  for (const [id, tenant] of Object.entries(cfg.tenants)) {
    for (const model of Object.keys(tenant.pricing_overrides)) {
      if (model !== "*" && !tenant.models_allowed.includes(model)) {
        ctx.addIssue({
          code: "custom",
          path: ["tenants", id, "pricing_overrides", model],
          message: `"${model}" is not in the tenant's models_allowed`,
        });
      }
    }
  }
  if (cfg.storage_admin !== undefined) {
    const app = /^postgres(?:ql)?:\/\/([^:@/]+)[:@]/.exec(cfg.storage)?.[1];
    if (app === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["storage"],
        message: "with storage_admin, storage must be a postgres:// URL naming the app's role (user@host)",
      });
    }
  }
}
