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

/** By tenant: its schedules per model with its overrides applied (a map, or the tenant directory). */
export interface NegotiatedPrices {
  get(tenantId: string): ReadonlyMap<string, readonly DatedPrice[]> | undefined;
}

export class PriceBook {
  constructor(
    /** By model: its dated prices, oldest first. */
    readonly list: ReadonlyMap<string, readonly DatedPrice[]>,
    /** By tenant, then model: schedules with the tenant's overrides applied (only tenants that have some). */
    private readonly negotiated: NegotiatedPrices,
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

/** A tenant's schedules per model with its overrides applied; undefined when it has none. */
export function negotiatedSchedules(
  list: ReadonlyMap<string, readonly DatedPrice[]>,
  overrides: Readonly<Record<string, PriceOverride>>,
): Map<string, DatedPrice[]> | undefined {
  if (Object.keys(overrides).length === 0) return undefined;
  const all = overrides["*"];
  const byModel = new Map<string, DatedPrice[]>();
  for (const [model, schedule] of list) {
    const o = overrides[model] ?? all;
    if (o !== undefined) byModel.set(model, applyOverride(schedule, o));
  }
  return byModel;
}

/** Every model's dated list prices and versions. */
export function listPrices(models: PricingConfig["models"]): {
  list: Map<string, DatedPrice[]>;
  versions: Map<string, string>;
} {
  const list = new Map<string, DatedPrice[]>();
  const versions = new Map<string, string>();
  for (const [name, m] of Object.entries(models)) {
    const current = m.pricing ?? "free";
    list.set(name, [
      ...m.pricing_history.map((h) => dated(h, h.effective_from)),
      dated(current, current === "free" ? undefined : current.effective_from),
    ]);
    if (m.version !== undefined) versions.set(name, m.version);
  }
  return { list, versions };
}

export function priceBookFromConfig(config: PricingConfig): PriceBook {
  const { list, versions } = listPrices(config.models);
  const negotiated = new Map<string, Map<string, DatedPrice[]>>();
  for (const [tenantId, t] of Object.entries(config.tenants)) {
    const schedules = negotiatedSchedules(list, t.pricing_overrides);
    if (schedules !== undefined) negotiated.set(tenantId, schedules);
  }
  return new PriceBook(list, negotiated, versions);
}
