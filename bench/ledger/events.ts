/**
 * Realistic usage events for bench/ledger, deterministic from a seed: a fleet of tenants whose traffic
 * follows a Zipf law, each using a few of eight models (one an embedding model), dated list prices
 * (two models change price mid-month), per-tenant discounts and negotiated rates, keys, end users and
 * feature tags, and a mix of outcomes (rate-limited, engine failures, unknown models, aborted streams).
 */
import { randomUUID } from "node:crypto";
import { costMicros, type Price, type TokenUsage } from "../../src/usage/pricing.js";
import type { Endpoint, UsageEvent } from "../../src/usage/usage-event.js";

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR_MS = 3_600_000;
/** Mid-month list-price change of two models (2026-11-15T00:00Z). */
export const PRICE_CHANGE = Date.UTC(2026, 10, 15);

interface ModelSpec {
  readonly name: string;
  readonly served: string;
  readonly version: string;
  readonly endpoint: Endpoint;
  /** Dated list prices, oldest first (µ$ per 1,000 tokens). */
  readonly prices: readonly { readonly from: number; readonly price: Price }[];
}

const p = (inputPer1k: number, cachedInputPer1k: number, outputPer1k: number): Price => ({
  inputPer1k,
  cachedInputPer1k,
  outputPer1k,
});
const always = (price: Price) => [{ from: -Infinity, price }];

export const MODELS: readonly ModelSpec[] = [
  {
    name: "llama-3.1-8b",
    served: "meta-llama/Llama-3.1-8B-Instruct",
    version: "2024-07-23",
    endpoint: "chat",
    prices: [
      { from: -Infinity, price: p(200, 100, 400) },
      { from: PRICE_CHANGE, price: p(150, 75, 300) },
    ],
  },
  {
    name: "llama-3.1-70b",
    served: "meta-llama/Llama-3.1-70B-Instruct",
    version: "2024-07-23",
    endpoint: "chat",
    prices: always(p(900, 450, 900)),
  },
  {
    name: "qwen2.5-72b",
    served: "Qwen/Qwen2.5-72B-Instruct",
    version: "2024-09-19",
    endpoint: "chat",
    prices: always(p(900, 450, 1200)),
  },
  {
    name: "qwen2.5-coder-32b",
    served: "Qwen/Qwen2.5-Coder-32B-Instruct",
    version: "2024-11-12",
    endpoint: "chat",
    prices: always(p(600, 300, 800)),
  },
  {
    name: "mistral-small-24b",
    served: "mistralai/Mistral-Small-24B-Instruct-2501",
    version: "2025-01-30",
    endpoint: "chat",
    prices: always(p(300, 150, 600)),
  },
  {
    name: "mixtral-8x22b",
    served: "mistralai/Mixtral-8x22B-Instruct-v0.1",
    version: "2024-04-17",
    endpoint: "chat",
    prices: [
      { from: -Infinity, price: p(1200, 600, 1200) },
      { from: PRICE_CHANGE, price: p(900, 450, 900) },
    ],
  },
  {
    name: "gpt-oss-120b",
    served: "openai/gpt-oss-120b",
    version: "2025-08-05",
    endpoint: "chat",
    prices: always(p(150, 75, 600)),
  },
  {
    name: "bge-m3",
    served: "BAAI/bge-m3",
    version: "2024-01-30",
    endpoint: "embeddings",
    prices: always(p(20, 20, 0)),
  },
];

interface TenantSpec {
  readonly id: string;
  readonly models: readonly ModelSpec[];
  /** Cumulative weights over `models`. */
  readonly modelCum: readonly number[];
  readonly discountPercent: number | null;
  /** Negotiated rates of its own for one model. */
  readonly negotiated: ReadonlyMap<string, Price>;
  readonly keys: number;
  readonly users: number;
  readonly features: readonly string[];
}

const FEATURES = ["chat", "search", "summarize", "extract", "agent", "code-review", "support", "rag"];

function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / total));
}

function pick<T>(items: readonly T[], cum: readonly number[], u: number): T {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return items[lo]!;
}

/** A standard normal deviate (Box–Muller). */
function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const clampInt = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Math.round(v)));

export interface Universe {
  readonly tenants: readonly TenantSpec[];
  /** Cumulative traffic shares of `tenants` (Zipf, exponent 1.1: tenant 1 is the largest). */
  readonly tenantCum: readonly number[];
  /** Traffic share of each tenant. */
  readonly shares: readonly number[];
}

/** `count` tenants named tenant-0001…, the first the busiest. */
export function universe(count: number, seed = 1): Universe {
  const r = rng(seed);
  const tenants: TenantSpec[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * 6); // 1..6 models
    const order = MODELS.map((m) => ({ m, k: r() })).sort((a, b) => a.k - b.k);
    const models = order.slice(0, n).map((o) => o.m);
    const discount = r() < 0.15 ? [5, 10, 20, 30][Math.floor(r() * 4)]! : null;
    const negotiated = new Map<string, Price>();
    if (r() < 0.05) {
      const m = models[0]!;
      const list = m.prices[m.prices.length - 1]!.price;
      negotiated.set(
        m.name,
        p(
          Math.round(list.inputPer1k * 0.7),
          Math.round(list.cachedInputPer1k * 0.7),
          Math.round(list.outputPer1k * 0.7),
        ),
      );
    }
    tenants.push({
      id: `tenant-${String(i + 1).padStart(4, "0")}`,
      models,
      modelCum: cumulative(models.map((_m, j) => 1 / (j + 1))),
      discountPercent: discount,
      negotiated,
      keys: 1 + Math.floor(r() * 8),
      users: 1 + Math.floor(r() * 2000),
      features: FEATURES.filter(() => r() < 0.5),
    });
  }
  const weights = tenants.map((_t, i) => 1 / (i + 1) ** 1.1);
  const total = weights.reduce((a, b) => a + b, 0);
  return { tenants, tenantCum: cumulative(weights), shares: weights.map((w) => w / total) };
}

/** The unit prices a tenant pays for a model at `time` (negotiated rate, else the dated list price less its discount). */
export function priceFor(tenant: TenantSpec, model: ModelSpec, time: number): Price {
  const own = tenant.negotiated.get(model.name);
  if (own !== undefined) return own;
  let list = model.prices[0]!.price;
  for (const dated of model.prices) if (dated.from <= time) list = dated.price;
  const d = tenant.discountPercent;
  if (d === null) return list;
  const off = (v: number): number => Math.round((v * (100 - d)) / 100);
  return p(off(list.inputPer1k), off(list.cachedInputPer1k), off(list.outputPer1k));
}

const ZERO: TokenUsage = { input: 0, output: 0, cached: 0 };

/** Generates events; `ids: "random"` gives gateway-like request ids (req_ + 32 hex), "sequential" cheap unique ones. */
export class EventSource {
  private readonly r: () => number;
  private seq = 0;

  constructor(
    private readonly u: Universe,
    seed: number,
    private readonly ids: "random" | "sequential" = "random",
    private readonly idPrefix = "req_",
  ) {
    this.r = rng(seed);
  }

  /** One event at `time`. */
  event(time: Date): UsageEvent {
    const r = this.r;
    const tenant = pick(this.u.tenants, this.u.tenantCum, r());
    const model = pick(tenant.models, tenant.modelCum, r());
    const requestId =
      this.ids === "random"
        ? `${this.idPrefix}${randomUUID().replaceAll("-", "")}`
        : `${this.idPrefix}${(this.seq++).toString(16).padStart(12, "0")}`;
    const base = {
      requestId,
      time,
      tenantId: tenant.id,
      keyId: `key_${tenant.id}_${Math.floor(r() * tenant.keys)}`,
      user: r() < 0.7 ? `user-${Math.floor(r() * tenant.users)}` : null,
      feature:
        tenant.features.length > 0 && r() < 0.8
          ? tenant.features[Math.floor(r() * tenant.features.length)]!
          : null,
      endpoint: model.endpoint,
      promptVersion: r() < 0.3 ? "support-bot@3" : null,
      blockedBy: null,
    };
    const outcome = r();
    if (outcome < 0.002) {
      // a model the tenant may not use / that does not exist: no model, no price
      return {
        ...base,
        model: null,
        servedModel: null,
        modelVersion: null,
        upstream: null,
        usage: ZERO,
        costMicros: 0,
        price: null,
        latencyMs: 0.4 + r(),
        ttftMs: null,
        status: 404,
        errorCode: "model_not_found",
        finishReason: null,
        stream: false,
        clientAborted: false,
        cacheHit: false,
      };
    }
    const price = priceFor(tenant, model, time.getTime());
    const common = {
      ...base,
      model: model.name,
      servedModel: model.served,
      modelVersion: model.version,
      price,
    };
    if (outcome < 0.022) {
      return {
        ...common,
        upstream: null,
        usage: ZERO,
        costMicros: 0,
        latencyMs: 0.5 + r(),
        ttftMs: null,
        status: 429,
        errorCode: "rate_limit_exceeded",
        finishReason: null,
        stream: false,
        clientAborted: false,
        cacheHit: false,
      };
    }
    const upstream = `http://${model.name}-${Math.floor(r() * 4)}.engines.internal:8000`;
    if (outcome < 0.027) {
      return {
        ...common,
        upstream,
        usage: ZERO,
        costMicros: 0,
        latencyMs: 30_000 * r(),
        ttftMs: null,
        status: 502,
        errorCode: "upstream_error",
        finishReason: null,
        stream: false,
        clientAborted: false,
        cacheHit: false,
      };
    }
    const input = clampInt(Math.exp(Math.log(600) + 1.1 * normal(r)), 1, 64_000);
    const cached = r() < 0.4 ? Math.floor(input * r() * 0.9) : 0;
    const embeddings = model.endpoint === "embeddings";
    const stream = !embeddings && r() < 0.6;
    const aborted = stream && r() < 0.01;
    const fullOutput = embeddings ? 0 : clampInt(Math.exp(Math.log(180) + 0.9 * normal(r)), 1, 4096);
    const output = aborted ? Math.floor(fullOutput * r()) : fullOutput;
    const usage = { input, output, cached };
    const ttft = embeddings ? null : 20 + 400 * r();
    return {
      ...common,
      upstream,
      usage,
      costMicros: costMicros(price, usage),
      latencyMs: (ttft ?? 5) + output * (8 + 20 * r()),
      ttftMs: ttft,
      status: 200,
      errorCode: null,
      finishReason: embeddings ? null : aborted ? null : output === 4096 ? "length" : "stop",
      stream,
      clientAborted: aborted,
      cacheHit: false,
    };
  }

  /** `n` events inside the hour starting at `hourStart` (ms), in time order when `sorted`. */
  hour(hourStart: number, n: number, sorted: boolean): UsageEvent[] {
    const offsets = Array.from({ length: n }, () => Math.floor(this.r() * HOUR_MS));
    if (sorted) offsets.sort((a, b) => a - b);
    return offsets.map((o) => this.event(new Date(hourStart + o)));
  }
}

/**
 * How `total` events spread over the hours of [from, to): a daily cycle (busiest mid-afternoon UTC,
 * a quarter of the peak at night), exact integers summing to `total`.
 */
export function hourlyCounts(from: number, to: number, total: number): number[] {
  const hours = Math.round((to - from) / HOUR_MS);
  const weights = Array.from({ length: hours }, (_x, h) => {
    const hourOfDay = new Date(from + h * HOUR_MS).getUTCHours();
    return 0.625 + 0.375 * Math.cos(((hourOfDay - 15) / 24) * 2 * Math.PI);
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const counts = exact.map(Math.floor);
  let rest = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, f: e - Math.floor(e) })).sort((a, b) => b.f - a.f);
  for (const { i } of byRemainder) {
    if (rest-- <= 0) break;
    counts[i]!++;
  }
  return counts;
}
