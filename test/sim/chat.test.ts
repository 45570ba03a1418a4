import { tokenize as encode } from "../../src/usage/tokens.js";
import { APIError, NotFoundError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/server.js";
import type { RunningSim } from "../../src/sim/server.js";
import { client, postJson, sseEvents } from "./helpers.js";

const messages = [
  { role: "system" as const, content: "You are terse." },
  { role: "user" as const, content: "Tell me about rivers and mountains." },
];

interface ChatChunk {
  choices: { delta: { content?: string }; finish_reason: string | null }[];
  usage?: { completion_tokens: number; prompt_tokens_details: unknown };
}

describe("chat completions", () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSimulator({ models: ["sim-llama"], seed: 42 });
  });
  afterAll(() => sim.close());

  it("answers non-streaming requests in the OpenAI shape", async () => {
    const reply = await client(sim).chat.completions.create({ model: "sim-llama", messages });
    expect(reply.id).toMatch(/^chatcmpl-[0-9a-f]+$/);
    expect(reply.object).toBe("chat.completion");
    expect(reply.model).toBe("sim-llama");
    expect(Math.abs(reply.created - Date.now() / 1000)).toBeLessThan(60);
    const choice = reply.choices[0]!;
    expect(choice.message.role).toBe("assistant");
    expect(choice.finish_reason).toBe("stop");
    const content = choice.message.content ?? "";
    expect(content.length).toBeGreaterThan(0);
    const usage = reply.usage!;
    expect(usage.completion_tokens).toBeGreaterThanOrEqual(1);
    expect(usage.completion_tokens).toBeLessThanOrEqual(16);
    expect(usage.prompt_tokens).toBeGreaterThan(10);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(0);
    // Every generated piece is one token: re-tokenising the text gives back the count.
    expect(encode(content).length).toBe(usage.completion_tokens);
  });

  it("honours max_tokens and max_completion_tokens with finish_reason length", async () => {
    const a = await client(sim).chat.completions.create({ model: "sim-llama", messages, max_tokens: 37 });
    expect(a.choices[0]!.finish_reason).toBe("length");
    expect(a.usage!.completion_tokens).toBe(37);
    const b = await client(sim).chat.completions.create({
      model: "sim-llama",
      messages,
      max_completion_tokens: 5,
    });
    expect(b.usage!.completion_tokens).toBe(5);
  });

  it("streams one token per content chunk, role first, no usage chunk unless asked", async () => {
    const stream = await client(sim).chat.completions.create({
      model: "sim-llama",
      messages,
      max_tokens: 12,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.object).toBe("chat.completion.chunk");
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    const pieces = chunks
      .flatMap((c) => c.choices.map((ch) => ch.delta.content ?? ""))
      .filter((p) => p !== "");
    expect(pieces).toHaveLength(12);
    for (const piece of pieces) expect(encode(piece)).toHaveLength(1);
    expect(chunks.every((c) => c.usage == null)).toBe(true);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("length");
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("sends a final usage chunk with empty choices when include_usage is set", async () => {
    const res = await postJson(sim, "/v1/chat/completions", {
      model: "sim-llama",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/event-stream/);
    const events = sseEvents(res.text);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1) as ChatChunk[];
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(chunks.slice(0, -1).every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
    const contentChunks = chunks.filter((c) => c.choices[0]?.delta.content);
    expect(usageChunk.usage!.completion_tokens).toBe(contentChunks.length);
    expect(usageChunk.usage!.prompt_tokens_details).toEqual({ cached_tokens: 0 });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
  });

  it("is deterministic for a seed and differs across seeds", async () => {
    const twin = await startSimulator({ models: ["sim-llama"], seed: 42 });
    const other = await startSimulator({ models: ["sim-llama"], seed: 43 });
    try {
      const ask = async (s: RunningSim) =>
        (await client(s).chat.completions.create({ model: "sim-llama", messages, max_tokens: 24 }))
          .choices[0]!.message.content;
      const first = await ask(sim);
      expect(await ask(sim)).toBe(first);
      expect(await ask(twin)).toBe(first);
      expect(await ask(other)).not.toBe(first);
      const natural = async (s: RunningSim) =>
        (await client(s).chat.completions.create({ model: "sim-llama", messages })).usage!.completion_tokens;
      expect(await natural(twin)).toBe(await natural(sim));
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });

  it("rejects an unknown model with a 404 OpenAI-shaped error", async () => {
    const err = await client(sim)
      .chat.completions.create({ model: "no-such-model", messages })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    const raw = await postJson(sim, "/v1/chat/completions", { model: "no-such-model", messages });
    expect(raw.status).toBe(404);
    expect(raw.contentType).toMatch(/^application\/json/);
    expect(raw.json).toEqual({
      error: {
        message: expect.stringContaining("no-such-model"),
        type: "NotFoundError",
        param: null,
        code: 404,
      },
    });
  });

  it("rejects invalid bodies with 400", async () => {
    const badJson = await postJson(sim, "/v1/chat/completions", "{not json", true);
    expect(badJson.status).toBe(400);
    expect(badJson.json.error.type).toBe("BadRequestError");
    const noMessages = await postJson(sim, "/v1/chat/completions", { model: "sim-llama" });
    expect(noMessages.status).toBe(400);
    expect(noMessages.json.error.param).toBe("messages");
    const n2 = await postJson(sim, "/v1/chat/completions", { model: "sim-llama", messages, n: 2 });
    expect(n2.status).toBe(400);
    const zero = await postJson(sim, "/v1/chat/completions", { model: "sim-llama", messages, max_tokens: 0 });
    expect(zero.status).toBe(400);
    const optsWithoutStream = await postJson(sim, "/v1/chat/completions", {
      model: "sim-llama",
      messages,
      stream_options: { include_usage: true },
    });
    expect(optsWithoutStream.status).toBe(400);
    const tooLong = await postJson(sim, "/v1/chat/completions", {
      model: "sim-llama",
      messages,
      max_tokens: 1e6,
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.message).toMatch(/maximum context length/);
    const err = await client(sim)
      .chat.completions.create({ model: "sim-llama", messages: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await fetch(`${sim.url}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });
});
