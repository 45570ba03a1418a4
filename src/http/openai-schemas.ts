import { z } from "zod";
import { ApiError } from "../errors.js";

/**
 * The parts of OpenAI request bodies the gateway reads. Everything else (temperature, tools, …)
 * passes through to the engine untouched.
 */

const model = z.string().min(1, "model is required");
const maxTokens = z.number().int().positive().optional();
const streamOptions = z.looseObject({ include_usage: z.boolean().optional() }).nullish();

export const chatRequestSchema = z.looseObject({
  model,
  messages: z
    .array(z.looseObject({ role: z.string().min(1), content: z.unknown().optional() }))
    .min(1, "messages must contain at least one message"),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  max_tokens: maxTokens.nullable(),
  max_completion_tokens: maxTokens.nullable(),
  n: z.number().int().min(1).max(1, "n > 1 is not supported").nullish(),
  user: z.string().optional(),
});

export const completionRequestSchema = z.looseObject({
  model,
  prompt: z.union([
    z.string(),
    z.array(z.string()),
    z.array(z.number().int()),
    z.array(z.array(z.number().int())),
  ]),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  max_tokens: maxTokens.nullable(),
  n: z.number().int().min(1).max(1, "n > 1 is not supported").nullish(),
  user: z.string().optional(),
});

export const embeddingRequestSchema = z.looseObject({
  model,
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int())).min(1),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type CompletionRequest = z.infer<typeof completionRequestSchema>;
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** Validates a body; the first problem becomes a 400 naming the offending parameter. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError("invalid_request", "The request body must be a JSON object.");
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = issue.path.map(String).join(".") || null;
  const message =
    param === null
      ? issue.message
      : issue.code === "invalid_type" && issue.input === undefined
        ? `Missing required parameter: '${param}'.`
        : `Invalid value for '${param}': ${issue.message}`;
  throw new ApiError("invalid_request", message, param);
}
