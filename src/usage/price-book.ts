import { priceFromConfig, type Price } from "./pricing.js";

/**
 * What each request costs: every model's prices over time (a mid-month change bills each request at
 * the price of its time) and each tenant's negotiated overrides. Precomputed at start-up per tenant
 * and model, so a lookup is two map reads and a short scan.
 */

/** A price in effect from `from` (ms since the epoch; -Infinity for "always") until the next one. */
export interface DatedPrice {
  readonly from: number;
  readonly price: Price;
}

export type PriceOverride =
  | { readonly discount_percent: number }
  | {
      readonly input_per_1k: number;
      readonly output_per_1k: number;
      readonly cached_input_per_1k?: number | undefined;
    };

interface ConfigRates {
  readonly input_per_1k: number;
  readonly output_per_1k: number;
  readonly cached_input_per_1k?: number | undefined;
  readonly effective_from?: string | undefined;
}

type ConfigPrice = "free" | ConfigRates;

/** The parts of the config the price book is built from. */
export interface PricingConfig {
  readonly models: Record<
    string,
    {
      readonly pricing?: ConfigPrice | undefined;
      readonly pricing_history: readonly (ConfigRates & { readonly effective_from: string })[];
      readonly version?: string | undefined;
    }
  >;
  readonly tenants: Record<string, { readonly pricing_overrides: Record<string, PriceOverride> }>;
}

export class PriceBook {
  constructor(
    /** By model: its dated prices, oldest first. */
    private readonly list: ReadonlyMap<string, readonly DatedPrice[]>,
    /** By tenant, then model: schedules with the tenant's overrides applied (only tenants that have some). */
    private readonly negotiated: ReadonlyMap<string, ReadonlyMap<string, readonly DatedPrice[]>>,
    private readonly versions: ReadonlyMap<string, string>,
  ) {}

  /** Unit prices of `model` for `tenantId` at `time`; undefined for a model the book does not price. */
  price(tenantId: string, model: string, time: number): Price | undefined {
    const schedule = this.negotiated.get(tenantId)?.get(model) ?? this.list.get(model);
    return schedule === undefined ? undefined : priceAt(schedule, time);
  }

  /** The configured version of a model, or null. */
  version(model: string): string | null {
    return this.versions.get(model) ?? null;
  }
}

/** The price in effect at `time`; before the first date, the first price applies. */
export function priceAt(schedule: readonly DatedPrice[], time: number): Price | undefined {
  for (let i = schedule.length - 1; i > 0; i--) {
    if (schedule[i]!.from <= time) return schedule[i]!.price;
  }
  return schedule[0]?.price;
}

const dated = (p: ConfigPrice, from: string | undefined): DatedPrice => ({
  from: from === undefined ? -Infinity : Date.parse(from),
  price: priceFromConfig(p),
});

function applyOverride(schedule: readonly DatedPrice[], o: PriceOverride): DatedPrice[] {
  if (!("discount_percent" in o)) return [{ from: -Infinity, price: priceFromConfig(o) }];
  const keep = (100 - o.discount_percent) / 100;
  const cut = (micros: number) => Math.round(micros * keep);
  return schedule.map((d) => ({
    from: d.from,
    price: Object.freeze({
      inputPer1k: cut(d.price.inputPer1k),
      outputPer1k: cut(d.price.outputPer1k),
      cachedInputPer1k: cut(d.price.cachedInputPer1k),
    }),
  }));
}

export function priceBookFromConfig(config: PricingConfig): PriceBook {
  const list = new Map<string, DatedPrice[]>();
  const versions = new Map<string, string>();
  for (const [name, m] of Object.entries(config.models)) {
    const current = m.pricing ?? "free";
    list.set(name, [
      ...m.pricing_history.map((h) => dated(h, h.effective_from)),
      dated(current, current === "free" ? undefined : current.effective_from),
    ]);
    if (m.version !== undefined) versions.set(name, m.version);
  }
  const negotiated = new Map<string, Map<string, DatedPrice[]>>();
  for (const [tenantId, t] of Object.entries(config.tenants)) {
    const overrides = Object.entries(t.pricing_overrides);
    if (overrides.length === 0) continue;
    const all = t.pricing_overrides["*"];
    const byModel = new Map<string, DatedPrice[]>();
    for (const [model, schedule] of list) {
      const o = t.pricing_overrides[model] ?? all;
      if (o !== undefined) byModel.set(model, applyOverride(schedule, o));
    }
    negotiated.set(tenantId, byModel);
  }
  return new PriceBook(list, negotiated, versions);
}
