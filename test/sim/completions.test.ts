import { tokenize as encode } from "../../src/usage/tokens.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/server.js";
import type { RunningSim } from "../../src/sim/server.js";
import { countPromptTokens } from "../../src/usage/tokens.js";
import { client, postJson, sseEvents } from "./helpers.js";

interface CompletionChunk {
  object: string;
  choices: { text: string; finish_reason: string | null }[];
  usage?: { completion_tokens: number };
}

describe("completions", () => {
  let sim: RunningSim;
  const prompt = "Once upon a time, by the river,";
  beforeAll(async () => {
    sim = await startSimulator({ models: ["sim-base"], seed: 7, defaultMaxTokens: 8 });
  });
  afterAll(() => sim.close());

  it("answers non-streaming requests in the OpenAI shape", async () => {
    const reply = await client(sim).completions.create({ model: "sim-base", prompt });
    expect(reply.id).toMatch(/^cmpl-/);
    expect(reply.object).toBe("text_completion");
    expect(reply.model).toBe("sim-base");
    expect(reply.choices[0]!.finish_reason).toBe("stop");
    expect(reply.usage!.prompt_tokens).toBe(countPromptTokens(prompt));
    expect(reply.usage!.completion_tokens).toBeGreaterThanOrEqual(1);
    expect(reply.usage!.completion_tokens).toBeLessThanOrEqual(8);
    expect(encode(reply.choices[0]!.text)).toHaveLength(reply.usage!.completion_tokens);
  });

  it("streams text_completion chunks, one token each, then [DONE]", async () => {
    const res = await postJson(sim, "/v1/completions", {
      model: "sim-base",
      prompt,
      max_tokens: 9,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.contentType).toMatch(/^text\/event-stream/);
    const events = sseEvents(res.text);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1) as CompletionChunk[];
    expect(chunks.every((c) => c.object === "text_completion")).toBe(true);
    const pieces = chunks.flatMap((c) => c.choices.map((ch) => ch.text)).filter(Boolean);
    expect(pieces).toHaveLength(9);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(9);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("length");

    const sdkStream = await client(sim).completions.create({
      model: "sim-base",
      prompt,
      max_tokens: 4,
      stream: true,
    });
    let text = "";
    for await (const chunk of sdkStream) text += chunk.choices[0]?.text ?? "";
    const whole = await client(sim).completions.create({ model: "sim-base", prompt, max_tokens: 4 });
    expect(text).toBe(whole.choices[0]!.text);
  });

  it("accepts a prompt of token ids and counts them", async () => {
    const ids = encode("token ids are prompts too");
    const res = await postJson(sim, "/v1/completions", { model: "sim-base", prompt: ids, max_tokens: 3 });
    expect(res.status).toBe(200);
    expect(res.json.usage.prompt_tokens).toBe(ids.length);
    expect(res.json.choices[0].finish_reason).toBe("length");
  });

  it("rejects a missing prompt and unknown models", async () => {
    expect((await postJson(sim, "/v1/completions", { model: "sim-base" })).status).toBe(400);
    expect((await postJson(sim, "/v1/completions", { model: "sim-base", prompt: "" })).status).toBe(400);
    const unknown = await postJson(sim, "/v1/completions", { model: "other", prompt });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe(404);
  });
});
