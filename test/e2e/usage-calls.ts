import type { TokenUsage } from "../../src/usage/pricing.js";

export interface Outcome {
  readonly requestId: string;
  /** The HTTP status, or 499 for a stream this client cut off. */
  readonly status: number;
  /** The usage the engine reported to the client (completed requests only). */
  readonly reported: TokenUsage | null;
  readonly aborted: boolean;
}

const usageOf = (u: Record<string, unknown> | undefined): TokenUsage | null =>
  u === undefined
    ? null
    : {
        input: Number(u.prompt_tokens ?? 0),
        output: Number(u.completion_tokens ?? 0),
        cached: Number(
          (u.prompt_tokens_details as { cached_tokens?: number } | undefined)?.cached_tokens ?? 0,
        ),
      };

/**
 * One request of a kind the accuracy and crash tests mix: a whole chat answer, a stream (usage asked
 * for), an embedding, a stream this client abandons after its first token, or a refused request.
 */
export async function call(
  url: string,
  key: string,
  kind: "chat" | "stream" | "embed" | "abort" | "refused",
  tokens: number,
  content: string,
  tenant?: string,
): Promise<Outcome> {
  const embed = kind === "embed";
  const stream = kind === "stream" || kind === "abort";
  const body = embed
    ? { model: "nomic-embed-text", input: [content] }
    : {
        model:
          kind === "refused" ? (tenant === "acme-corp" ? "llama-3.1-8b" : "llama-3.1-70b") : "llama-3.1-8b",
        messages: [{ role: "user", content }],
        max_tokens:
          kind === "refused" && tenant === "acme-corp" ? 1_000_000 : kind === "abort" ? 300 : tokens,
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      };
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/${embed ? "embeddings" : "chat/completions"}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  const requestId = res.headers.get("x-request-id")!;
  if (!stream || res.status !== 200) {
    const json = (await res.json()) as { usage?: Record<string, unknown> };
    return {
      requestId,
      status: res.status,
      reported: res.status === 200 ? usageOf(json.usage) : null,
      aborted: false,
    };
  }
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (kind === "abort" && text.includes('"content":"') && /"content":"[^"]/.test(text)) {
      abort.abort();
      await reader.cancel().catch(() => undefined);
      return { requestId, status: 499, reported: null, aborted: true };
    }
  }
  const chunks = text
    .split("\n\n")
    .filter((f) => f.startsWith("data: ") && f !== "data: [DONE]")
    .map((f) => JSON.parse(f.slice(6)) as { usage?: Record<string, unknown> });
  const usage = chunks.find((c) => c.usage !== undefined && c.usage !== null)?.usage;
  return {
    requestId,
    status: 200,
    reported: text.includes("data: [DONE]") ? usageOf(usage) : null,
    aborted: false,
  };
}
