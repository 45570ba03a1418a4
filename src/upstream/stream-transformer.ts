import type { GuardFinding } from "../customize/guardrails.js";
import type { OutputGuard } from "../customize/output-guard.js";
import { readEngineUsage } from "../usage/engine-usage.js";
import type { TokenUsage } from "../usage/pricing.js";

type Choice = Record<string, unknown> & { delta?: Record<string, unknown> };

/**
 * Rewrites an engine's SSE stream for the client, one `data:` payload at a time, and learns from it
 * what was generated. Usage is always requested upstream; the usage chunk reaches the client only if
 * the client asked for it. The engine's model name is replaced by the public one. With an output
 * guard, generated text is released through it (redacted, held back a little), and a blocking
 * finding ends the stream with finish_reason "content_filter".
 */
export class StreamTransformer {
  usage: TokenUsage | null = null;
  finishReason: string | null = null;
  /** Chunks that carried generated text: the output so far if the stream ends without usage. */
  contentChunks = 0;
  done = false;
  engineError: unknown = null;
  /** Set when the output guard blocked the rest of the stream. */
  blocked: GuardFinding | null = null;

  constructor(
    private readonly publicModel: string,
    private readonly clientWantsUsage: boolean,
    private readonly guard: OutputGuard | null = null,
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
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as Choice[]) : [];
    for (const c of choices) this.choice(c);
    if (!this.clientWantsUsage) {
      if (usage !== null && choices.length === 0) return null;
      delete chunk.usage;
    }
    if (typeof chunk.model === "string") chunk.model = this.publicModel;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  private choice(c: Choice): void {
    const field = c.delta !== undefined ? "content" : "text";
    const holder: Record<string, unknown> = c.delta ?? c;
    const text = holder[field];
    if (typeof text === "string" && text.length > 0) this.contentChunks++;
    const ending = typeof c.finish_reason === "string";
    if (this.guard !== null) {
      let released = typeof text === "string" ? this.guard.push(text) : { text: "", blocked: null };
      if (ending && released.blocked === null) {
        const rest = this.guard.flush();
        released = { text: released.text + rest.text, blocked: rest.blocked };
      }
      if (typeof text === "string" || ending) holder[field] = released.text;
      if (released.blocked !== null) {
        this.blocked = released.blocked;
        c.finish_reason = "content_filter";
      }
    }
    if (typeof c.finish_reason === "string") this.finishReason = c.finish_reason;
  }
}
