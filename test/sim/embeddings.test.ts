import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/server.js";
import type { RunningSim } from "../../src/sim/server.js";
import { client, postJson } from "./helpers.js";

const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const norm = (a: readonly number[]): number => Math.sqrt(dot(a, a));

describe("embeddings", () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSimulator({ models: ["sim-llama"], embeddingModels: ["sim-embed"], embeddingDim: 256 });
  });
  afterAll(() => sim.close());

  it("returns float vectors of unit length in the OpenAI shape", async () => {
    const res = await client(sim).embeddings.create({
      model: "sim-embed",
      input: ["hello world", "another text"],
      encoding_format: "float",
    });
    expect(res.object).toBe("list");
    expect(res.model).toBe("sim-embed");
    expect(res.data.map((d) => [d.object, d.index])).toEqual([
      ["embedding", 0],
      ["embedding", 1],
    ]);
    for (const d of res.data) {
      expect(d.embedding).toHaveLength(256);
      expect(norm(d.embedding)).toBeCloseTo(1, 5);
    }
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage.total_tokens).toBe(res.usage.prompt_tokens);
  });

  it("the SDK's default base64 decodes to the same vector as float", async () => {
    const input = "The quick brown fox jumps over the lazy dog";
    const viaBase64 = await client(sim).embeddings.create({ model: "sim-embed", input });
    const viaFloat = await client(sim).embeddings.create({
      model: "sim-embed",
      input,
      encoding_format: "float",
    });
    expect(viaBase64.data[0]!.embedding).toEqual(viaFloat.data[0]!.embedding);

    const raw = await postJson(sim, "/v1/embeddings", {
      model: "sim-embed",
      input,
      encoding_format: "base64",
    });
    expect(typeof raw.json.data[0].embedding).toBe("string");
    const bytes = Buffer.from(raw.json.data[0].embedding as string, "base64");
    expect(bytes.length).toBe(256 * 4);
    const decoded = Array.from({ length: 256 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(viaFloat.data[0]!.embedding);
  });

  it("is deterministic and places similar texts closer than unrelated ones", async () => {
    const other = await startSimulator({ models: ["m"], embeddingDim: 256, seed: 99 });
    try {
      const embed = async (s: RunningSim, input: string[]) =>
        (await client(s).embeddings.create({ model: "anything", input })).data.map((d) => d.embedding);
      const [cat, cat2, money] = await embed(sim, [
        "The cat sat on the mat near the window.",
        "A cat was sitting on the mat by the window.",
        "Quarterly revenue grew by twelve percent.",
      ]);
      expect(dot(cat!, cat2!)).toBeGreaterThan(dot(cat!, money!) + 0.2);
      expect(dot(cat!, cat2!)).toBeGreaterThan(0.4);
      const [again] = await embed(other, ["The cat sat on the mat near the window."]);
      expect(again).toEqual(cat);
    } finally {
      await other.close();
    }
  });

  it("honours dimensions and rejects bad input", async () => {
    const small = await client(sim).embeddings.create({
      model: "x",
      input: "hi",
      dimensions: 32,
      encoding_format: "float",
    });
    expect(small.data[0]!.embedding).toHaveLength(32);
    expect(norm(small.data[0]!.embedding)).toBeCloseTo(1, 5);
    expect((await postJson(sim, "/v1/embeddings", { model: "x", input: "hi", dimensions: 257 })).status).toBe(
      400,
    );
    expect((await postJson(sim, "/v1/embeddings", { model: "x", input: [[1, 2, 3]] })).status).toBe(400);
    expect((await postJson(sim, "/v1/embeddings", { model: "x", input: [] })).status).toBe(400);
    expect(
      (await postJson(sim, "/v1/embeddings", { model: "x", input: "a", encoding_format: "int8" })).status,
    ).toBe(400);
  });

  it("runs as an embeddings-only simulator", async () => {
    const only = await startSimulator({ models: [], embeddingModels: ["e5"] });
    try {
      const res = await client(only).embeddings.create({
        model: "e5",
        input: "hi",
        encoding_format: "float",
      });
      expect(res.data[0]!.embedding).toHaveLength(768);
      const models = await client(only).models.list();
      expect(models.data.map((m) => m.id)).toEqual(["e5"]);
      const chat = await postJson(only, "/v1/chat/completions", {
        messages: [{ role: "user", content: "x" }],
      });
      expect(chat.status).toBe(400);
      const metrics = await (await fetch(`${only.url}/metrics`)).text();
      expect(metrics).toContain('vllm:num_requests_running{model_name="e5"} 0');
    } finally {
      await only.close();
    }
  });
});
