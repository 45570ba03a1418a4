import type { Sample } from "./load.js";

/** Nearest-rank percentile of unsorted values (NaN for none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Window {
  readonly from: number;
  readonly to: number;
}

export interface LatencySummary {
  readonly n: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
}

/** Latency of a tenant's requests that started inside the window. */
export function latency(samples: readonly Sample[], tenant: string, w: Window): LatencySummary {
  const mine = samples.filter((s) => s.tenant === tenant && s.start >= w.from && s.start < w.to);
  const ok = mine.filter((s) => s.status === 200).map((s) => s.end - s.start);
  return { n: ok.length, errors: mine.length - ok.length, p50: percentile(ok, 50), p99: percentile(ok, 99) };
}

/**
 * Token service a tenant received inside the window: each request's service spread evenly over the
 * time the engine ran it (its last `engineMs` before it ended), counted for the part in the window.
 */
export function serviceIn(samples: readonly Sample[], tenant: string, w: Window, engineMs: number): number {
  let total = 0;
  for (const s of samples) {
    if (s.tenant !== tenant || s.status !== 200) continue;
    const overlap = Math.min(s.end, w.to) - Math.max(s.end - engineMs, w.from);
    if (overlap > 0) total += (s.service * overlap) / engineMs;
  }
  return total;
}

/** Mean share of the engine's slots in use over the window (from sampled running counts). */
export function busy(engine: readonly { t: number; running: number }[], capacity: number, w: Window): number {
  const inside = engine.filter((e) => e.t >= w.from && e.t < w.to && Number.isFinite(e.running));
  if (inside.length === 0) return NaN;
  return inside.reduce((sum, e) => sum + e.running, 0) / inside.length / capacity;
}
