/** Latency summaries (milliseconds) from raw samples: exact percentiles by nearest rank. */

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

const EMPTY: Summary = { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN };

export function summarize(samples: Float64Array | readonly number[]): Summary {
  const n = samples.length;
  if (n === 0) return EMPTY;
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const rank = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  return {
    count: n,
    mean: sum / n,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    p999: rank(0.999),
    max: sorted[n - 1]!,
  };
}

/** Milliseconds with 2 decimals (3 below 1 ms), "-" when unknown. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return "-";
  return Math.abs(v) < 1 ? v.toFixed(3) : v.toFixed(2);
}

/** Renders a Markdown table with columns padded for reading in a terminal too. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
