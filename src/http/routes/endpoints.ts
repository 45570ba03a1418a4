import type { z } from "zod";
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
  /** The gateway's own count of prompt tokens (used when an engine reports none). */
  promptTokens(body: T): number;
}

const chat: EndpointSpec<ChatRequest> = {
  endpoint: "chat",
  path: "/v1/chat/completions",
  kind: "chat",
  schema: chatRequestSchema,
  streams: true,
  promptTokens: (b) => countChatTokens(b.messages),
};

const completions: EndpointSpec<CompletionRequest> = {
  endpoint: "completions",
  path: "/v1/completions",
  kind: "chat",
  schema: completionRequestSchema,
  streams: true,
  promptTokens: (b) => countPromptTokens(b.prompt),
};

const embeddings: EndpointSpec<EmbeddingRequest> = {
  endpoint: "embeddings",
  path: "/v1/embeddings",
  kind: "embedding",
  schema: embeddingRequestSchema,
  streams: false,
  promptTokens: (b) => countPromptTokens(b.input),
};

export const ENDPOINTS = { chat, completions, embeddings } as const;

/**
 * The body sent upstream: the served model name, no client-supplied `cache_salt` (the gateway owns
 * it), and usage always requested on streams so that settlement uses the engine's exact counts.
 */
export function upstreamBody(body: Body, model: ModelRoute, stream: boolean): Record<string, unknown> {
  const { cache_salt: _clientSalt, ...rest } = body as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest, model: model.servedModel };
  if (stream) {
    const options = (body as { stream_options?: Record<string, unknown> | null }).stream_options ?? {};
    out.stream_options = { ...options, include_usage: true };
  }
  return out;
}
