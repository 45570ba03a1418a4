import { sql, type RawBuilder, type Transaction } from "kysely";
import type { PricedTotals, UsageDimension, UsageQuery, UsageTotals } from "../port.js";
import type { Database } from "./schema.js";
import { fromRow, num } from "./usage-rows.js";
import type { UsageEvent } from "../../usage/usage-event.js";

const HOUR_MS = 3_600_000;

/** Group expressions: fixed SQL, never built from input. Valid on SQLite and PostgreSQL alike. */
const EVENT_GROUPS: Record<UsageDimension, string> = {
  model: "model",
  key: "key_id",
  user: "user_id",
  feature: "feature",
  hour: "substr(time, 1, 13) || ':00:00.000Z'",
  day: "substr(time, 1, 10)",
};
const ROLLUP_GROUPS: Partial<Record<UsageDimension, string>> = {
  model: "model",
  hour: "hour",
  day: "substr(hour, 1, 10)",
};
const EVENT_SUMS = `count(*) as requests, sum(case when status >= 400 then 1 else 0 end) as failed,
  sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
  sum(cached_tokens) as cached_tokens, sum(cost_micros) as cost_micros`;
const ROLLUP_SUMS = `sum(requests) as requests, sum(errors) as failed,
  sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
  sum(cached_tokens) as cached_tokens, sum(cost_micros) as cost_micros`;

type Scalar = string | number | null;
type SumRow = Record<string, Scalar>;

function totalsOf(row: SumRow, by: readonly UsageDimension[], rollup: boolean): UsageTotals {
  const group: Partial<Record<UsageDimension, string | null>> = {};
  by.forEach((dim, i) => {
    const v = row[`g${i}`];
    group[dim] = v === null || v === undefined || (rollup && dim === "model" && v === "") ? null : String(v);
  });
  return {
    group,
    requests: num(row.requests),
    failed: num(row.failed),
    inputTokens: num(row.input_tokens),
    outputTokens: num(row.output_tokens),
    cachedTokens: num(row.cached_tokens),
    costMicros: num(row.cost_micros),
  };
}

const wholeHour = (d: Date): boolean => d.getTime() % HOUR_MS === 0;

export function usesRollups(q: UsageQuery): boolean {
  if (q.source !== undefined) return q.source === "rollups";
  return q.by.every((d) => d in ROLLUP_GROUPS) && wholeHour(q.from) && wholeHour(q.to);
}

export async function totals(trx: Transaction<Database>, q: UsageQuery): Promise<UsageTotals[]> {
  const rollup = usesRollups(q);
  const groups = q.by.map((d) => {
    const expr = rollup ? ROLLUP_GROUPS[d] : EVENT_GROUPS[d];
    if (expr === undefined) throw new Error(`usage by ${d} is not in the hourly rollups`);
    return expr;
  });
  const select = groups.map((g, i) => `${g} as g${i}`);
  const positions = groups.map((_g, i) => String(i + 1)).join(", ");
  const table = rollup ? "usage_records" : "usage_events";
  const timeCol = rollup ? "hour" : "time";
  const tail: RawBuilder<unknown> = groups.length === 0 ? sql`` : sql.raw(` group by ${positions}`);
  const result =
    await sql<SumRow>`select ${sql.raw([...select, rollup ? ROLLUP_SUMS : EVENT_SUMS].join(", "))}
    from ${sql.table(table)}
    where tenant_id = ${q.tenantId} and ${sql.ref(timeCol)} >= ${q.from.toISOString()}
      and ${sql.ref(timeCol)} < ${q.to.toISOString()}${tail}`.execute(trx);
  return result.rows.map((r) => totalsOf(r, q.by, rollup)).sort((a, b) => compareGroups(a, b, q.by));
}

/** Ordered by the groups' values, no value (null) first: the same on every database. */
function compareGroups(a: UsageTotals, b: UsageTotals, by: readonly UsageDimension[]): number {
  for (const d of by) {
    const x = a.group[d] ?? null;
    const y = b.group[d] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export async function priced(
  trx: Transaction<Database>,
  tenantId: string,
  from: Date,
  to: Date,
): Promise<PricedTotals[]> {
  const result = await sql<SumRow>`select model as g0, price_input, price_cached_input, price_output,
      ${sql.raw(ROLLUP_SUMS)}
    from usage_records
    where tenant_id = ${tenantId} and hour >= ${from.toISOString()} and hour < ${to.toISOString()}
      and model <> ''
    group by 1, 2, 3, 4`.execute(trx);
  const lines = result.rows.map((r) => ({
    ...totalsOf(r, ["model"], true),
    model: String(r.g0),
    price: {
      inputPer1k: num(r.price_input),
      cachedInputPer1k: num(r.price_cached_input),
      outputPer1k: num(r.price_output),
    },
  }));
  const key = (l: PricedTotals) => [l.price.inputPer1k, l.price.cachedInputPer1k, l.price.outputPer1k];
  return lines.sort((a, b) =>
    a.model === b.model ? compareNumbers(key(a), key(b)) : a.model < b.model ? -1 : 1,
  );
}

function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export async function events(
  trx: Transaction<Database>,
  tenantId: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<UsageEvent[]> {
  const rows = await trx
    .selectFrom("usage_events")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("time", ">=", from.toISOString())
    .where("time", "<", to.toISOString())
    .orderBy("time")
    .orderBy("request_id")
    .limit(limit)
    .execute();
  return rows.map(fromRow);
}
