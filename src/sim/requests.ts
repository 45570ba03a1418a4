import { contentText, countChatTokens, countPromptTokens, tokenize } from "../usage/tokens.js";
import type { Engine } from "./engine.js";
import { MAX_MODEL_LEN } from "./engine.js";
import { SimError, badRequest, isRecord, notFound } from "./http-util.js";
import { BLOCK_SIZE } from "./prefix-cache.js";
import { finalize32, hashString, mix32 } from "./random.js";

export type GenerationKind = "chat" | "completion";

/** A validated chat or completion request, ready to be scheduled. */
export interface GenerationRequest {
  readonly kind: GenerationKind;
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** Reported `usage.prompt_tokens` (the shared counting helpers). */
  readonly promptTokens: number;
  /** Prompt token ids used for prefix caching. */
  readonly cacheTokens: readonly number[];
  readonly cacheSalt: string | undefined;
  /** `max_tokens` / `max_completion_tokens` when set. */
  readonly maxTokens: number | undefined;
  /** 32-bit key that determines the output (sim seed, model, prompt, request seed). */
  readonly outputKey: number;
}

function optionalPositiveInt(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw badRequest(`${field} must be at least 1, got ${JSON.stringify(value)}.`, field);
  }
  return value;
}

function chatPrompt(body: Record<string, unknown>): { text: string; promptTokens: number } {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw badRequest("'messages' must be a non-empty array of chat messages.", "messages");
  }
  let text = "";
  for (const m of messages as unknown[]) {
    if (!isRecord(m) || typeof m.role !== "string") {
      throw badRequest("Each message must be an object with a string 'role'.", "messages");
    }
    text += `${m.role}\n${contentText(m.content)}\n`;
  }
  return { text, promptTokens: countChatTokens(messages as Record<string, unknown>[]) };
}

function completionPrompt(body: Record<string, unknown>): {
  text: string;
  ids?: number[];
  promptTokens: number;
} {
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] !== "number") prompt = prompt[0];
  if (typeof prompt === "string" && prompt.length > 0) {
    return { text: prompt, promptTokens: countPromptTokens(prompt) };
  }
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((t) => Number.isInteger(t) && t >= 0)) {
    const ids = prompt as number[];
    return { text: ids.join(","), ids, promptTokens: ids.length };
  }
  if (Array.isArray(prompt) && prompt.length > 1) {
    throw badRequest("Batched prompts are not supported by the simulator; send one prompt.", "prompt");
  }
  throw badRequest("'prompt' must be a non-empty string or an array of token ids.", "prompt");
}

/** Validates a `/v1/chat/completions` or `/v1/completions` body (vLLM's checks and messages). */
export function parseGenerationRequest(
  engine: Engine,
  kind: GenerationKind,
  raw: unknown,
): GenerationRequest {
  if (!isRecord(raw)) throw badRequest("The request body must be a JSON object.");
  const body = raw;
  const model = body.model === undefined || body.model === null ? engine.opts.models[0] : body.model;
  if (typeof model !== "string") throw badRequest("'model' must be a string naming a served model.", "model");
  if (!engine.isGenerationModel(model)) throw notFound(`The model \`${model}\` does not exist.`);

  const { text, ids, promptTokens } =
    kind === "chat" ? { ...chatPrompt(body), ids: undefined } : completionPrompt(body);

  const n = body.n;
  if (n !== undefined && n !== null && n !== 1)
    throw badRequest("Only n=1 is supported by the simulator.", "n");
  const stream = body.stream === true;
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && !stream) {
    throw badRequest("Stream options can only be defined when `stream=True`.", "stream_options");
  }
  const includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true;
  const salt = body.cache_salt;
  if (salt !== undefined && salt !== null && (typeof salt !== "string" || salt.length === 0)) {
    throw badRequest("Parameter 'cache_salt' must be a non-empty string if provided.", "cache_salt");
  }
  const maxTokens =
    optionalPositiveInt(body, "max_completion_tokens") ?? optionalPositiveInt(body, "max_tokens");
  if (promptTokens + (maxTokens ?? 0) > MAX_MODEL_LEN) {
    throw new SimError(
      400,
      `This model's maximum context length is ${MAX_MODEL_LEN} tokens. However, you requested ` +
        `${promptTokens + (maxTokens ?? 0)} tokens (${promptTokens} in the messages, ${maxTokens ?? 0} in the completion). ` +
        "Please reduce the length of the messages or completion.",
      "BadRequestError",
    );
  }
  const requestSeed = typeof body.seed === "number" && Number.isFinite(body.seed) ? body.seed : 0;
  let key = mix32(hashString(model, engine.opts.seed >>> 0), requestSeed >>> 0);
  key = finalize32(hashString(text, key));
  return {
    kind,
    model,
    stream,
    includeUsage,
    promptTokens,
    // Fewer than BLOCK_SIZE + 1 bytes can't hold a cacheable block (the last token is never cached).
    cacheTokens: ids ?? (Buffer.byteLength(text) > BLOCK_SIZE ? tokenize(text) : []),
    cacheSalt: typeof salt === "string" ? salt : undefined,
    maxTokens,
    outputKey: key,
  };
}
