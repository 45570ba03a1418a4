import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, UpstreamError, type ErrorBody } from "../errors.js";

interface Rendered {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

/** Maps any failure (ours, Fastify's, an engine's, a bug) to an OpenAI-shaped error reply. */
export function renderError(err: unknown): Rendered {
  if (err instanceof ApiError) return { status: err.status, body: err.toBody(), headers: err.headers };
  if (err instanceof UpstreamError) return { status: err.status, body: err.body, headers: {} };
  const fe = err as Partial<FastifyError>;
  let api: ApiError;
  if (fe.statusCode === 413) api = new ApiError("request_too_large");
  else if (fe.statusCode === 415) api = new ApiError("unsupported_media_type");
  else if (fe.statusCode === 400 && (fe.code?.startsWith("FST_ERR_CTP") || err instanceof SyntaxError)) {
    api = new ApiError("invalid_json", `The request body is not valid JSON: ${fe.message ?? "parse error"}`);
  } else if (fe.statusCode === 400) api = new ApiError("invalid_request", fe.message);
  else api = new ApiError("internal_error");
  return { status: api.status, body: api.toBody(), headers: api.headers };
}

/** Fastify error handler: the one place errors become responses. */
export function errorBoundary(
  onError: (request: FastifyRequest, status: number, code: string | null) => void,
): (err: unknown, request: FastifyRequest, reply: FastifyReply) => void {
  return (err, request, reply) => {
    const r = renderError(err);
    if (r.status >= 500 && !(err instanceof ApiError) && !(err instanceof UpstreamError)) {
      request.log.error({ err }, "unhandled error");
    }
    onError(request, r.status, r.body.error.code);
    void reply.code(r.status).headers(r.headers).send(r.body);
  };
}
