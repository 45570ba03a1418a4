import { ApiError } from "../errors.js";
import type { AdmitResult } from "./limiter.js";
import { rateLimitHeaders } from "./rate-headers.js";

type Refusal = Extract<AdmitResult, { ok: false }>;

const RATE_TEXT = {
  requests_per_minute: "requests per minute",
  tokens_per_minute: "tokens per minute",
  concurrent_requests: "concurrent requests",
} as const;

/**
 * The client's view of a refusal: 429 for rate limits (retry soon) and token quotas (retry at the
 * period's reset), 402 for budgets; all with retry-after and the x-ratelimit-* headers.
 */
export function refusalError(r: Refusal, now: number): ApiError {
  const retryMs = Math.max(0, Math.ceil(r.retryAfterMs));
  const headers: Record<string, string> = {
    ...rateLimitHeaders(r.rate),
    "retry-after": String(Math.ceil(retryMs / 1000)),
    "retry-after-ms": String(retryMs),
  };
  const whose = r.scope.startsWith("key:") ? "this API key" : "your tenant";
  switch (r.reason) {
    case "requests_per_minute":
    case "concurrent_requests":
    case "tokens_per_minute":
      return new ApiError(
        "rate_limit_exceeded",
        `Rate limit reached for ${RATE_TEXT[r.reason]} on ${whose}. Retry after ${Math.ceil(retryMs / 1000)}s.`,
        null,
        headers,
        { type: r.reason === "tokens_per_minute" ? "tokens" : "requests" },
      );
    case "daily_tokens":
    case "monthly_tokens":
    case "daily_budget":
    case "monthly_budget": {
      const resetAt = new Date(now + retryMs);
      const period = r.reason.startsWith("daily") ? "daily" : "monthly";
      const budget = r.reason.endsWith("budget");
      return new ApiError(
        budget ? "budget_exceeded" : "quota_exceeded",
        `The ${period} ${budget ? "USD budget" : "token quota"} of ${whose} is exhausted; it resets at ${resetAt.toISOString()}.`,
        null,
        { ...headers, "x-should-retry": "false" },
        { resetAt },
      );
    }
  }
}
