import { ApiError } from "../errors.js";

/** The scheduler's refusals (docs/errors.md). */

export function queueFull(limit: number, model: string): ApiError {
  return new ApiError(
    "queue_full",
    `Your tenant already has ${limit} requests waiting for ${model}; retry later.`,
    null,
    { "retry-after": "1" },
  );
}

export function overloaded(message: string): ApiError {
  return new ApiError("server_overloaded", message, null, { "retry-after": "2" });
}

export function storeUnavailable(): ApiError {
  return new ApiError(
    "limiter_unavailable",
    "The scheduler's shared state is unreachable; retry shortly.",
    null,
    { "retry-after": "1" },
  );
}
