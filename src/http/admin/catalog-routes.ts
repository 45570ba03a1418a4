import { z } from "zod";
import type { ModelConfig } from "../../config/schema.js";
import { listPrices, negotiatedSchedules, priceAt, type DatedPrice } from "../../usage/price-book.js";
import { unitUsd } from "../../usage/money.js";
import type { PriceOverride } from "../../usage/price-book.js";
import { route, type AnyRoute } from "./route.js";
import { list } from "./schemas.js";

const price = z.strictObject({
  effective_from: z.string().nullable(),
  input_per_1k: z.number(),
  cached_input_per_1k: z.number(),
  output_per_1k: z.number(),
});

const modelView = z.strictObject({
  id: z.string(),
  kind: z.enum(["chat", "embedding"]),
  version: z.string().nullable(),
  max_output_tokens: z.number().int(),
  /** In effect now: the caller's tenant's own price for tenant-bound roles, else the list price. */
  price: price,
  /** Dated prices, oldest first (list prices; the tenant's own for tenant-bound roles). */
  prices: z.array(price),
});

const priceJson = (d: DatedPrice) => ({
  effective_from: Number.isFinite(d.from) ? new Date(d.from).toISOString() : null,
  input_per_1k: unitUsd(d.price.inputPer1k),
  cached_input_per_1k: unitUsd(d.price.cachedInputPer1k),
  output_per_1k: unitUsd(d.price.outputPer1k),
});

/**
 * The model and price catalogue, read-only: list prices and their history come from the config
 * (`models.<name>.pricing`, `pricing_history`) and change with a config roll-out, so that every
 * replica bills the same. A tenant's negotiated prices are its `pricing_overrides` (PATCH
 * /tenants/{id}, platform admins only).
 */
export function catalogRoutes(): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/models",
      summary: "The model catalogue with prices (tenant-bound roles: their tenant's models at their prices)",
      tag: "catalog",
      permission: "catalog:read",
      response: list(modelView),
      async handler({ deps, actor, now }) {
        const { list: schedules, versions } = listPrices(deps.models);
        let names = Object.keys(deps.models);
        let own: ReadonlyMap<string, readonly DatedPrice[]> | undefined;
        if (actor.tenant !== null) {
          const t = await deps.store.tenants.get(actor.tenant);
          const allowed = (t?.spec.models_allowed ?? []) as string[];
          names = names.filter((n) => allowed.includes(n));
          own = negotiatedSchedules(
            schedules,
            (t?.spec.pricing_overrides ?? {}) as Record<string, PriceOverride>,
          );
        }
        const data = names.map((id) => {
          const m: ModelConfig = deps.models[id]!;
          const dated = own?.get(id) ?? schedules.get(id) ?? [];
          const current = priceAt(dated, now.getTime());
          return {
            id,
            kind: m.kind,
            version: versions.get(id) ?? null,
            max_output_tokens: m.max_output_tokens,
            price: priceJson(dated.find((d) => d.price === current) ?? dated[0]!),
            prices: dated.map(priceJson),
          };
        });
        return { object: "list", data };
      },
    }),
  ];
}
