import type { ExternalGuard } from "../customize/external-guard.js";
import { buildCustomization, type TenantCustomization } from "../customize/tenant-customization.js";
import type { TenantStatus } from "../store/tenant-port.js";
import { negotiatedSchedules, type DatedPrice } from "../usage/price-book.js";
import type { ModelRoute, TenantPolicy } from "./policy.js";
import { tenantPolicy } from "./tenant-policy.js";
import type { TenantSpec } from "./tenant-spec.js";

/** Everything the hot path reads about one tenant, compiled once per change of the tenant. */
export interface TenantSnapshot {
  readonly policy: TenantPolicy;
  readonly status: TenantStatus;
  readonly customization: TenantCustomization;
  /** Fair-share weight in the scheduler. */
  readonly weight: number;
  /** Negotiated price schedules per model; undefined: list prices. */
  readonly prices: ReadonlyMap<string, readonly DatedPrice[]> | undefined;
}

/** What compiling a snapshot needs from the gateway (its models, prices and tier weights). */
export interface SnapshotContext {
  readonly models: ReadonlyMap<string, ModelRoute>;
  readonly listPrices: ReadonlyMap<string, readonly DatedPrice[]>;
  /** Weight per tier (scheduler.tier_weights over the defaults); unknown tiers weigh 1. */
  readonly tierWeights: Readonly<Record<string, number>>;
  readonly externalGuard: (url: string, timeoutMs: number) => ExternalGuard;
}

export function buildSnapshot(
  id: string,
  spec: TenantSpec,
  status: TenantStatus,
  ctx: SnapshotContext,
): TenantSnapshot {
  return {
    policy: tenantPolicy(id, spec, ctx.models),
    status,
    customization: buildCustomization(spec, ctx.externalGuard),
    weight: spec.weight ?? ctx.tierWeights[spec.tier] ?? 1,
    prices: negotiatedSchedules(ctx.listPrices, spec.pricing_overrides),
  };
}
