import type { LedgerRepository, UsageDimension, UsageTotals } from "../store/port.js";
import { microsToUsd } from "./pricing.js";

/**
 * GET /v1/usage, OpenAI's usage-API shape (a page of time buckets, each with grouped results), for one
 * tenant: buckets are whole UTC hours or days; per-model results come from the hourly rollups.
 */

export type Bucket = "1h" | "1d";
export type PageGroup = "model" | "api_key_id" | "user_id" | "feature";

const BUCKET_MS: Record<Bucket, number> = { "1h": 3_600_000, "1d": 86_400_000 };
const DIMENSION: Record<PageGroup, UsageDimension> = {
  model: "model",
  api_key_id: "key",
  user_id: "user",
  feature: "feature",
};
export const PAGE_GROUPS = Object.keys(DIMENSION) as PageGroup[];
/** Buckets per page: default and most, as OpenAI's API. */
export const BUCKET_LIMITS: Record<Bucket, { default: number; max: number }> = {
  "1h": { default: 24, max: 168 },
  "1d": { default: 7, max: 31 },
};

export interface UsagePageQuery {
  readonly tenantId: string;
  /** Unix seconds; rounded down to the bucket. */
  readonly startTime: number;
  /** Unix seconds (exclusive); rounded up to the bucket. */
  readonly endTime: number;
  readonly bucket: Bucket;
  readonly groupBy: readonly PageGroup[];
  readonly limit: number;
}

function result(t: UsageTotals, groupBy: readonly PageGroup[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    object: "usage.result",
    num_model_requests: t.requests,
    num_failed_requests: t.failed,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
    input_cached_tokens: t.cachedTokens,
    cost_micros: t.costMicros,
    amount: { value: microsToUsd(t.costMicros), currency: "usd" },
  };
  for (const g of groupBy) out[g] = t.group[DIMENSION[g]] ?? null;
  return out;
}

export async function usagePage(
  ledger: LedgerRepository,
  q: UsagePageQuery,
): Promise<Record<string, unknown>> {
  const width = BUCKET_MS[q.bucket];
  const from = Math.floor((q.startTime * 1000) / width) * width;
  const end = Math.ceil((q.endTime * 1000) / width) * width;
  const to = Math.min(end, from + q.limit * width);
  const time: UsageDimension = q.bucket === "1h" ? "hour" : "day";
  const rows =
    to > from
      ? await ledger.totals({
          tenantId: q.tenantId,
          from: new Date(from),
          to: new Date(to),
          by: [time, ...q.groupBy.map((g) => DIMENSION[g])],
        })
      : [];
  const data: Record<string, unknown>[] = [];
  for (let start = from; start < to; start += width) {
    const key =
      q.bucket === "1h" ? new Date(start).toISOString() : new Date(start).toISOString().slice(0, 10);
    data.push({
      object: "bucket",
      start_time: start / 1000,
      end_time: (start + width) / 1000,
      results: rows.filter((r) => r.group[time] === key).map((r) => result(r, q.groupBy)),
    });
  }
  const more = to < end;
  return { object: "page", data, has_more: more, next_page: more ? String(to / 1000) : null };
}
