/**
 * The error catalogue: every error the gateway itself produces has a stable `code`, an HTTP status
 * and an OpenAI `type`. docs/errors.md has one line per entry. Any layer may throw these; the HTTP error boundary renders them (a test keeps the two in step).
 */

export const ERRORS = {
  invalid_json: {
    status: 400,
    type: "invalid_request_error",
    message: "The request body is not valid JSON.",
  },
  invalid_request: { status: 400, type: "invalid_request_error", message: "The request is invalid." },
  unsupported_model_kind: {
    status: 400,
    type: "invalid_request_error",
    message: "This model does not serve this endpoint.",
  },
  budget_exceeded: {
    status: 402,
    type: "insufficient_quota",
    message: "Your tenant's budget for this period is exhausted.",
  },
  content_blocked: {
    status: 400,
    type: "invalid_request_error",
    message: "The request was blocked by your tenant's content policy.",
  },
  invalid_api_key: {
    status: 401,
    type: "invalid_request_error",
    message: "Missing, unknown, expired or revoked API key.",
  },
  model_not_allowed: {
    status: 403,
    type: "permission_error",
    message: "This model is not available to your tenant.",
  },
  tenant_secret_missing: {
    status: 403,
    type: "permission_error",
    message: "This model needs a provider credential of your tenant's that is not set.",
  },
  tenant_suspended: {
    status: 403,
    type: "permission_error",
    message: "Your tenant is suspended; contact the platform's administrators.",
  },
  permission_denied: {
    status: 403,
    type: "permission_error",
    message: "You are not allowed to do this.",
  },
  model_not_found: { status: 404, type: "invalid_request_error", message: "The model does not exist." },
  resource_not_found: {
    status: 404,
    type: "invalid_request_error",
    message: "No such object.",
  },
  conflict: {
    status: 409,
    type: "invalid_request_error",
    message: "The object already exists or changed meanwhile.",
  },
  not_found: { status: 404, type: "invalid_request_error", message: "Unknown route." },
  rate_limit_exceeded: {
    status: 429,
    type: "requests",
    message: "Rate limit reached; retry after the time in the retry-after header.",
  },
  quota_exceeded: {
    status: 429,
    type: "insufficient_quota",
    message: "Your tenant's token quota for this period is exhausted.",
  },
  queue_full: {
    status: 429,
    type: "requests",
    message: "Your tenant has too many requests waiting for this model; retry after the retry-after header.",
  },
  request_too_large: {
    status: 413,
    type: "invalid_request_error",
    message: "The request body is too large.",
  },
  unsupported_media_type: {
    status: 415,
    type: "invalid_request_error",
    message: "The request body must be application/json.",
  },
  client_closed: {
    status: 499,
    type: "invalid_request_error",
    message: "The client closed the connection before the response was complete.",
  },
  internal_error: { status: 500, type: "api_error", message: "Internal error." },
  upstream_error: { status: 502, type: "api_error", message: "The model engine returned an error." },
  upstream_unavailable: { status: 502, type: "api_error", message: "The model engine could not be reached." },
  not_ready: { status: 503, type: "api_error", message: "The gateway is not ready." },
  limiter_unavailable: {
    status: 503,
    type: "api_error",
    message: "Limits cannot be checked right now (limiter store unreachable); retry shortly.",
  },
  server_overloaded: {
    status: 503,
    type: "api_error",
    message: "The model's engines are overloaded; retry after the retry-after header.",
  },
  store_unavailable: {
    status: 503,
    type: "api_error",
    message: "The gateway's store is unreachable; retry shortly.",
  },
  secrets_unavailable: {
    status: 503,
    type: "api_error",
    message: "Provider credentials cannot be read right now.",
  },
  guard_unavailable: {
    status: 503,
    type: "api_error",
    message: "The content guard could not be consulted and this tenant's policy fails closed.",
  },
  upstream_timeout: { status: 504, type: "api_error", message: "The model engine did not answer in time." },
} as const satisfies Record<string, { status: number; type: string; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
    /** Quota and budget errors: when the period resets (ISO-8601, UTC). */
    reset_at?: string;
  };
}

export interface ErrorDetails {
  /** Overrides the catalogue's type (rate limits: "requests" or "tokens"). */
  readonly type?: string;
  readonly resetAt?: Date;
}

/** An error the gateway answers with. Throw it from any stage; the error boundary renders it. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
    private readonly details: ErrorDetails = {},
  ) {
    super(message ?? ERRORS[code].message);
    this.name = "ApiError";
    this.status = ERRORS[code].status;
    this.type = details.type ?? ERRORS[code].type;
  }

  toBody(): ErrorBody {
    const error: ErrorBody["error"] = {
      message: this.message,
      type: this.type,
      param: this.param,
      code: this.code,
    };
    if (this.details.resetAt !== undefined) error.reset_at = this.details.resetAt.toISOString();
    return { error };
  }
}

/**
 * An engine's own error, passed through with its status (OpenAI-shaped, whatever the engine sent).
 */
export class UpstreamError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.error.message);
    this.name = "UpstreamError";
  }
}
