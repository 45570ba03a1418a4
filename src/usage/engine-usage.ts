import type { TokenUsage } from "./pricing.js";

const count = (v: unknown): number =>
  typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;

/** Reads an engine's OpenAI `usage` object; null when there is none. */
export function readEngineUsage(usage: unknown): TokenUsage | null {
  if (usage === null || typeof usage !== "object") return null;
  const u = usage as Record<string, unknown>;
  const details = u.prompt_tokens_details as Record<string, unknown> | null | undefined;
  return {
    input: count(u.prompt_tokens),
    output: count(u.completion_tokens),
    cached: count(details?.cached_tokens),
  };
}
