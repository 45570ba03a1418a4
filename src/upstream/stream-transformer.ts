import { readEngineUsage } from "../usage/engine-usage.js";
import type { TokenUsage } from "../usage/pricing.js";

/**
 * Rewrites an engine's SSE stream for the client, one `data:` payload at a time, and learns from it
 * what was generated. Usage is always requested upstream; the usage chunk reaches the client only if
 * the client asked for it. The engine's model name is replaced by the public one.
 */
export class StreamTransformer {
  usage: TokenUsage | null = null;
  finishReason: string | null = null;
  /** Chunks that carried generated text: the output so far if the stream ends without usage. */
  contentChunks = 0;
  done = false;
  engineError: unknown = null;

  constructor(
    private readonly publicModel: string,
    private readonly clientWantsUsage: boolean,
  ) {}

  /** The SSE frame to send to the client for this payload, or null to send nothing. */
  transform(data: string): string | null {
    if (data === "[DONE]") {
      this.done = true;
      return "data: [DONE]\n\n";
    }
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return `data: ${data}\n\n`;
    }
    if (chunk.error !== undefined) this.engineError = chunk.error;
    const usage = readEngineUsage(chunk.usage);
    if (usage !== null) this.usage = usage;
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as Record<string, unknown>[]) : [];
    for (const c of choices) {
      if (typeof c.finish_reason === "string") this.finishReason = c.finish_reason;
      const delta = c.delta as { content?: unknown } | undefined;
      const text = delta?.content ?? c.text;
      if (typeof text === "string" && text.length > 0) this.contentChunks++;
    }
    if (!this.clientWantsUsage) {
      if (usage !== null && choices.length === 0) return null;
      delete chunk.usage;
    }
    if (typeof chunk.model === "string") chunk.model = this.publicModel;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}
