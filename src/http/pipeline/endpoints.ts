import type { z } from "zod";
import { ApiError } from "../../errors.js";
import type { ModelKind, ModelRoute } from "../../tenancy/policy.js";
import { countChatTokens, countPromptTokens } from "../../usage/tokens.js";
import type { Endpoint } from "../../usage/usage-event.js";
import {
  chatRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  type ChatRequest,
  type CompletionRequest,
  type EmbeddingRequest,
} from "../openai-schemas.js";

type Body = ChatRequest | CompletionRequest | EmbeddingRequest;

/** What differs between the three inference endpoints; the pipeline is the same. */
export interface EndpointSpec<T extends Body = Body> {
  readonly endpoint: Endpoint;
  readonly path: string;
  readonly kind: ModelKind;
  readonly schema: z.ZodType<T>;
  readonly streams: boolean;
  /** The gateway's own count of prompt tokens (reservations; usage when an engine reports none). */
  promptTokens(body: T): number;
  /** The output cap the client asked for, if any (generation endpoints only). */
  requestedOutput(body: T): number | null | undefined;
}

const chat: EndpointSpec<ChatRequest> = {
  endpoint: "chat",
  path: "/v1/chat/completions",
  kind: "chat",
  schema: chatRequestSchema,
  streams: true,
  promptTokens: (b) => countChatTokens(b.messages),
  requestedOutput: (b) => b.max_completion_tokens ?? b.max_tokens,
};

const completions: EndpointSpec<CompletionRequest> = {
  endpoint: "completions",
  path: "/v1/completions",
  kind: "chat",
  schema: completionRequestSchema,
  streams: true,
  promptTokens: (b) => countPromptTokens(b.prompt),
  requestedOutput: (b) => b.max_tokens,
};

const embeddings: EndpointSpec<EmbeddingRequest> = {
  endpoint: "embeddings",
  path: "/v1/embeddings",
  kind: "embedding",
  schema: embeddingRequestSchema,
  streams: false,
  promptTokens: (b) => countPromptTokens(b.input),
  requestedOutput: () => null,
};

export const ENDPOINTS = { chat, completions, embeddings } as const;

/**
 * The most a request may generate: the client's max_tokens, or the model's max_output_tokens when it
 * set none (a reservation must be a true worst case). Asking for more than the model allows is a 400.
 */
export function outputCap(spec: EndpointSpec, body: Body, model: ModelRoute): number {
  if (spec.kind === "embedding") return 0;
  const asked = spec.requestedOutput(body);
  if (asked === null || asked === undefined) return model.maxOutputTokens;
  if (asked > model.maxOutputTokens) {
    const param =
      "max_completion_tokens" in body && body.max_completion_tokens != null
        ? "max_completion_tokens"
        : "max_tokens";
    throw new ApiError(
      "invalid_request",
      `Invalid value for '${param}': ${asked} is more than this model's limit of ${model.maxOutputTokens} output tokens.`,
      param,
    );
  }
  return asked;
}

/**
 * The body sent upstream (after the customize stage, which owns `cache_salt`): the served model
 * name, an explicit output cap, and usage always requested on streams so that settlement uses the
 * engine's exact counts.
 */
export function upstreamBody(
  spec: EndpointSpec,
  body: Body,
  model: ModelRoute,
  stream: boolean,
  maxOutput: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, model: model.servedModel };
  if (spec.kind !== "embedding" && (spec.requestedOutput(body) ?? null) === null) out.max_tokens = maxOutput;
  if (stream) {
    const options = (body as { stream_options?: Record<string, unknown> | null }).stream_options ?? {};
    out.stream_options = { ...options, include_usage: true };
  }
  return out;
}
