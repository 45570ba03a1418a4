import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { ApiError, UpstreamError, type ErrorBody } from "../errors.js";
import type { OutputGuard } from "../customize/output-guard.js";
import { SseParser } from "../upstream/sse-parser.js";
import { StreamTransformer } from "../upstream/stream-transformer.js";
import { readEngineUsage } from "../usage/engine-usage.js";
import type { TokenUsage } from "../usage/pricing.js";
import type { RequestMeter } from "../usage/request-meter.js";

/** Turns an engine's error response into an OpenAI-shaped error with the engine's status. */
export async function engineFailure(res: Dispatcher.ResponseData): Promise<UpstreamError> {
  const text = await res.body.text().catch(() => "");
  let error: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    if (parsed.error !== null && typeof parsed.error === "object")
      error = parsed.error as Record<string, unknown>;
    else if (typeof parsed.message === "string") error = { message: parsed.message };
    else if (typeof parsed.error === "string") error = { message: parsed.error };
  } catch {
    // not JSON: wrapped below
  }
  const str = (v: unknown): string | null =>
    typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null;
  const body: ErrorBody = {
    error: {
      message: str(error?.message) ?? `The model engine returned HTTP ${res.statusCode}.`,
      type: str(error?.type) ?? (res.statusCode >= 500 ? "api_error" : "invalid_request_error"),
      param: str(error?.param),
      // Engines such as vLLM put the HTTP status in `code`; only a string code says more than that.
      code: typeof error?.code === "string" ? error.code : "upstream_error",
    },
  };
  return new UpstreamError(res.statusCode, body);
}

/** Reads a non-streaming engine response, rewrites the model name and records usage. */
export async function readJsonResponse(
  res: Dispatcher.ResponseData,
  publicModel: string,
  meter: RequestMeter,
  estimate: () => TokenUsage,
  guard: OutputGuard | null,
): Promise<Record<string, unknown>> {
  let json: Record<string, unknown>;
  try {
    json = (await res.body.json()) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof Error && err.name === "AbortError") throw err;
    throw new ApiError("upstream_error", "The model engine returned a malformed response.");
  }
  meter.usage = readEngineUsage(json.usage) ?? estimate();
  const first = (json.choices as Record<string, unknown>[] | undefined)?.[0];
  if (guard !== null && first !== undefined) guardChoice(first, guard, meter);
  meter.finishReason = typeof first?.finish_reason === "string" ? first.finish_reason : null;
  if (typeof json.model === "string") json.model = publicModel;
  return json;
}

/** Output guardrails on a whole (non-streamed) answer: redacted, or cut with finish_reason content_filter. */
function guardChoice(choice: Record<string, unknown>, guard: OutputGuard, meter: RequestMeter): void {
  const holder = (choice.message as Record<string, unknown> | undefined) ?? choice;
  const field = choice.message !== undefined ? "content" : "text";
  if (typeof holder[field] !== "string") return;
  const out = guard.push(holder[field]);
  const rest = out.blocked === null ? guard.flush() : out;
  holder[field] = rest.blocked === null ? out.text + rest.text : "";
  if (rest.blocked !== null) {
    choice.finish_reason = "content_filter";
    meter.blockedBy = rest.blocked.rule;
  }
}

export interface StreamOutcome {
  readonly status: number;
  readonly errorCode: string | null;
}

/**
 * Relays an engine's SSE stream to the client chunk by chunk (no buffering), with back-pressure.
 * `beforeEnd` runs before the final `[DONE]` is written, so the request is settled before the client
 * sees the end, and the end waits until its usage event is durable (`meter.durable`). Throws only
 * transport errors (abort, timeout, reset) for the caller to classify.
 */
export async function relayStream(
  res: Dispatcher.ResponseData,
  raw: ServerResponse,
  transformer: StreamTransformer,
  meter: RequestMeter,
  signal: AbortSignal,
  beforeEnd: (outcome: StreamOutcome) => void,
): Promise<void> {
  const parser = new SseParser();
  res.body.setEncoding("utf8");
  for await (const chunk of res.body as AsyncIterable<string>) {
    for (const data of parser.push(chunk)) {
      const before = transformer.contentChunks;
      const frame = transformer.transform(data);
      if (transformer.contentChunks > before) meter.markFirstToken();
      if (frame === null) continue;
      if (transformer.blocked !== null) {
        // The guard stopped the output: end the stream here; the caller drops the engine response.
        meter.blockedBy = transformer.blocked.rule;
        beforeEnd({ status: 200, errorCode: null });
        if (meter.durable !== null) await meter.durable;
        raw.write(`${frame}data: [DONE]\n\n`);
        return;
      }
      if (transformer.done) {
        beforeEnd({ status: 200, errorCode: null });
        if (meter.durable !== null) await meter.durable;
      }
      if (!raw.write(frame)) await once(raw, "drain", { signal });
    }
  }
  if (!transformer.done) {
    // The engine closed the stream without [DONE]: a failure mid-stream.
    const err = new ApiError("upstream_error", "The model engine ended the stream early.");
    beforeEnd({ status: err.status, errorCode: err.code });
    raw.write(`data: ${JSON.stringify(err.toBody())}\n\n`);
  }
}

export { StreamTransformer };
