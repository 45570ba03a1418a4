import type { UsageEvent } from "./usage-event.js";

const HOUR_MS = 3_600_000;

/** The ISO start of the UTC hour holding `time`. */
export function hourOf(time: Date): string {
  return new Date(Math.floor(time.getTime() / HOUR_MS) * HOUR_MS).toISOString();
}

/** What a set of events adds to one hourly rollup row. */
export interface RollupDelta {
  readonly tenantId: string;
  readonly hour: string;
  /** "" for requests that named no valid model. */
  readonly model: string;
  readonly priceInput: number;
  readonly priceCachedInput: number;
  readonly priceOutput: number;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costMicros: number;
}

/** Sums events into one delta per (tenant, hour, model, unit prices): the rows an upsert adds to. */
export function rollupDeltas(events: readonly UsageEvent[]): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  for (const e of events) {
    const hour = hourOf(e.time);
    const model = e.model ?? "";
    const p = e.price;
    const priceInput = p?.inputPer1k ?? 0;
    const priceCachedInput = p?.cachedInputPer1k ?? 0;
    const priceOutput = p?.outputPer1k ?? 0;
    const key = `${e.tenantId}\u0000${hour}\u0000${model}\u0000${priceInput}/${priceCachedInput}/${priceOutput}`;
    let d = deltas.get(key);
    if (d === undefined) {
      d = {
        tenantId: e.tenantId,
        hour,
        model,
        priceInput,
        priceCachedInput,
        priceOutput,
        requests: 0,
        errors: 0,
        inputTokens: 0,
        outputTokens: 0,
        cachedTokens: 0,
        costMicros: 0,
      };
      deltas.set(key, d);
    }
    d.requests += 1;
    if (e.status >= 400) d.errors += 1;
    d.inputTokens += e.usage.input;
    d.outputTokens += e.usage.output;
    d.cachedTokens += e.usage.cached;
    d.costMicros += e.costMicros;
  }
  return [...deltas.values()];
}
