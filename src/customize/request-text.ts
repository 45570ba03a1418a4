/**
 * The user-supplied text of an OpenAI request body (chat messages, completion prompt, embedding
 * input), read and rewritten in place of a copy, for guardrails.
 */

type Rewrite = (text: string) => string;

function rewriteContent(content: unknown, f: Rewrite): unknown {
  if (typeof content === "string") return f(content);
  if (!Array.isArray(content)) return content;
  return content.map((part: unknown) =>
    part !== null && typeof part === "object" && "text" in part && typeof part.text === "string"
      ? { ...part, text: f(part.text) }
      : part,
  );
}

function rewriteStrings(value: unknown, f: Rewrite): unknown {
  if (typeof value === "string") return f(value);
  if (Array.isArray(value)) return (value as unknown[]).map((v) => (typeof v === "string" ? f(v) : v));
  return value;
}

/** A copy of `body` with every user-supplied text passed through `f`. */
export function rewriteRequestText(body: Record<string, unknown>, f: Rewrite): Record<string, unknown> {
  const out = { ...body };
  if (Array.isArray(body.messages)) {
    out.messages = body.messages.map((m: unknown) =>
      m !== null && typeof m === "object"
        ? { ...m, content: rewriteContent((m as { content?: unknown }).content, f) }
        : m,
    );
  }
  if ("prompt" in body) out.prompt = rewriteStrings(body.prompt, f);
  if ("input" in body) out.input = rewriteStrings(body.input, f);
  return out;
}

/** All user-supplied text of a request, joined (for an external guard). */
export function requestText(body: Record<string, unknown>): string {
  const parts: string[] = [];
  rewriteRequestText(body, (t) => {
    parts.push(t);
    return t;
  });
  return parts.join("\n");
}
