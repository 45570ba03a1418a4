import type { UsageDimension, UsageTotals } from "../store/port.js";

/** A usage report (CLI `tollgate usage`, GET /admin/v1/tenants/{id}/usage): rows grouped by dimensions, and totals. */

export const USAGE_DIMENSIONS: readonly UsageDimension[] = ["model", "key", "user", "feature", "hour", "day"];

export function usageTotal(rows: readonly UsageTotals[]): UsageTotals {
  const sum = (f: (t: UsageTotals) => number) => rows.reduce((s, t) => s + f(t), 0);
  return {
    group: {},
    requests: sum((t) => t.requests),
    failed: sum((t) => t.failed),
    inputTokens: sum((t) => t.inputTokens),
    outputTokens: sum((t) => t.outputTokens),
    cachedTokens: sum((t) => t.cachedTokens),
    costMicros: sum((t) => t.costMicros),
  };
}

export const usageRowJson = (t: UsageTotals, by: readonly UsageDimension[]) => ({
  ...Object.fromEntries(by.map((d) => [d, t.group[d] ?? null])),
  requests: t.requests,
  failed_requests: t.failed,
  input_tokens: t.inputTokens,
  cached_input_tokens: t.cachedTokens,
  output_tokens: t.outputTokens,
  cost_micros: t.costMicros,
  cost_usd: t.costMicros / 1_000_000,
});

/** The report as JSON: `{tenant, from, to, group_by, rows, totals}`. */
export function usageReportJson(
  tenant: string,
  from: Date,
  to: Date,
  by: readonly UsageDimension[],
  rows: readonly UsageTotals[],
) {
  return {
    tenant,
    from: from.toISOString(),
    to: to.toISOString(),
    group_by: by,
    rows: rows.map((r) => usageRowJson(r, by)),
    totals: usageRowJson(usageTotal(rows), []),
  };
}

const HOUR_MS = 3_600_000;

/** Default period: from the start of this UTC month to the end of the current UTC hour. */
export function defaultUsagePeriod(now: Date): { from: Date; to: Date } {
  return {
    from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    to: new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS),
  };
}

type RowJson = ReturnType<typeof usageRowJson>;

/** A row of the JSON report back as totals (the CLI renders the admin API's report like the store's). */
export function usageRowFromJson(row: RowJson, by: readonly UsageDimension[]): UsageTotals {
  const r = row as RowJson & Record<string, unknown>;
  return {
    group: Object.fromEntries(by.map((d) => [d, (r[d] as string | null | undefined) ?? null])),
    requests: row.requests,
    failed: row.failed_requests,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedTokens: row.cached_input_tokens,
    costMicros: row.cost_micros,
  };
}
