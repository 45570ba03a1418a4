import { describe, expect, it } from "vitest";
import { SseParser } from "../../src/upstream/sse-parser.js";
import { StreamTransformer } from "../../src/upstream/stream-transformer.js";

describe("SSE parsing", () => {
  it("yields complete events whatever the chunking, with LF or CRLF", () => {
    const text =
      'data: {"a":1}\n\n: comment\n\ndata: {"b":2}\r\n\r\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';
    for (const size of [1, 3, 7, text.length]) {
      const p = new SseParser();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
      expect(out).toEqual(['{"a":1}', '{"b":2}', "line1\nline2", "[DONE]"]);
      expect(p.rest()).toBe("");
    }
  });
});

describe("stream transformation", () => {
  const usageChunk = JSON.stringify({
    model: "served",
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 0 } },
  });
  const delta = (content: string) =>
    JSON.stringify({ model: "served", choices: [{ delta: { content } }], usage: null });

  it("renames the model, drops usage the client did not ask for, and learns the usage", () => {
    const t = new StreamTransformer("public", false);
    expect(t.transform(delta("Hi"))).toBe(
      `data: ${JSON.stringify({ model: "public", choices: [{ delta: { content: "Hi" } }] })}\n\n`,
    );
    expect(t.transform(usageChunk)).toBeNull();
    expect(t.transform("[DONE]")).toBe("data: [DONE]\n\n");
    expect(t.usage).toEqual({ input: 9, output: 2, cached: 0 });
    expect(t.contentChunks).toBe(1);
    expect(t.done).toBe(true);
  });

  it("keeps the usage chunk for clients that asked", () => {
    const t = new StreamTransformer("public", true);
    expect(t.transform(usageChunk)).toContain('"completion_tokens":2');
  });
});
