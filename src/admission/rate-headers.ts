import type { RateState } from "./limiter.js";

/** A duration the way OpenAI's x-ratelimit-reset-* headers write it: "20ms", "1.5s", "6m0s", "1h2m3s". */
export function formatResetDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const totalSeconds = ms / 1000;
  if (totalSeconds < 60) return `${Number(totalSeconds.toFixed(3))}s`;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = Math.round(totalSeconds % 60);
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

/** The x-ratelimit-* headers of a tenant's rate state (only for the limits it has). */
export function rateLimitHeaders(rate: RateState): Record<string, string> {
  const h: Record<string, string> = {};
  if (rate.requestsLimit !== undefined) {
    h["x-ratelimit-limit-requests"] = String(rate.requestsLimit);
    h["x-ratelimit-remaining-requests"] = String(rate.requestsRemaining ?? 0);
    h["x-ratelimit-reset-requests"] = formatResetDuration(rate.requestsResetMs ?? 0);
  }
  if (rate.tokensLimit !== undefined) {
    h["x-ratelimit-limit-tokens"] = String(rate.tokensLimit);
    h["x-ratelimit-remaining-tokens"] = String(rate.tokensRemaining ?? 0);
    h["x-ratelimit-reset-tokens"] = formatResetDuration(rate.tokensResetMs ?? 0);
  }
  return h;
}
