import { countTokens, encode } from "gpt-tokenizer/encoding/cl100k_base";

/**
 * Token counting shared by the gateway (admission estimates) and the engine simulator
 * (reported usage). Engines report exact usage; this is the gateway's own estimate.
 *
 * With cl100k_base: Llama 3's vocabulary is cl100k_base's 100k tokens plus 28k more, so it is the
 * closer estimate for the open models a gateway serves, and its tables take ~11 MB of the heap
 * where o200k_base (gpt-tokenizer's default) takes ~21 MB, which every full collection marks again.
 */

/** Framing tokens per chat message, as in OpenAI's published counting recipe. */
const PER_MESSAGE_OVERHEAD = 4;
/** Tokens that prime the assistant's reply. */
const REPLY_PRIMING = 3;

export interface ChatMessageLike {
  readonly role?: unknown;
  readonly content?: unknown;
  readonly name?: unknown;
}

/** Text of an OpenAI message `content`: a string or an array of parts (text parts only are counted). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content as unknown[]) {
    if (part !== null && typeof part === "object" && "text" in part && typeof part.text === "string") {
      text += part.text;
    }
  }
  return text;
}

export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text);
}

export function tokenize(text: string): number[] {
  return encode(text);
}

export function countChatTokens(messages: readonly ChatMessageLike[]): number {
  let total = REPLY_PRIMING;
  for (const m of messages) {
    total += PER_MESSAGE_OVERHEAD;
    if (typeof m.role === "string") total += countTextTokens(m.role);
    total += countTextTokens(contentText(m.content));
    if (typeof m.name === "string") total += countTextTokens(m.name);
  }
  return total;
}

/** `prompt` of /v1/completions: a string or an array of strings (token-id arrays count their length). */
export function countPromptTokens(prompt: unknown): number {
  if (typeof prompt === "string") return countTextTokens(prompt);
  if (!Array.isArray(prompt)) return 0;
  let total = 0;
  for (const p of prompt as unknown[]) {
    if (typeof p === "string") total += countTextTokens(p);
    else if (typeof p === "number") total += 1;
    else if (Array.isArray(p)) total += p.length;
  }
  return total;
}
