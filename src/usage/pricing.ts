/**
 * Money is integer micro-dollars (1 USD = 1_000_000 µ$); prices are integer µ$ per 1,000 tokens,
 * so 0.0005 USD / 1k tokens is 500. A request's cost is rounded once, half up, to whole µ$.
 */

export interface Price {
  readonly inputPer1k: number;
  readonly outputPer1k: number;
  readonly cachedInputPer1k: number;
}

export const FREE: Price = Object.freeze({ inputPer1k: 0, outputPer1k: 0, cachedInputPer1k: 0 });

export interface TokenUsage {
  /** Prompt tokens, cached ones included (OpenAI's `prompt_tokens`). */
  readonly input: number;
  readonly output: number;
  /** The part of `input` served from the engine's prefix cache. */
  readonly cached: number;
}

export function usdToMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}

export function costMicros(price: Price, usage: TokenUsage): number {
  const cached = Math.min(usage.cached, usage.input);
  const milli =
    (usage.input - cached) * price.inputPer1k +
    cached * price.cachedInputPer1k +
    usage.output * price.outputPer1k;
  return Math.floor((milli + 500) / 1000);
}

export function priceFromConfig(
  pricing: "free" | { input_per_1k: number; output_per_1k: number; cached_input_per_1k?: number | undefined },
): Price {
  if (pricing === "free") return FREE;
  const input = usdToMicros(pricing.input_per_1k);
  return Object.freeze({
    inputPer1k: input,
    outputPer1k: usdToMicros(pricing.output_per_1k),
    cachedInputPer1k:
      pricing.cached_input_per_1k === undefined ? input : usdToMicros(pricing.cached_input_per_1k),
  });
}
