import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLOCK_SIZE, PrefixCache } from "../../src/sim/prefix-cache.js";
import { startSimulator } from "../../src/sim/server.js";
import type { RunningSim } from "../../src/sim/server.js";
import { postJson } from "./helpers.js";

const longText = Array.from(
  { length: 60 },
  (_, i) => `Paragraph ${i} talks about rivers, mountains and the quiet morning light.`,
).join(" ");

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

describe("PrefixCache", () => {
  it("hashes full blocks only, as a chain that depends on the salt", () => {
    const cache = new PrefixCache(100);
    const tokens = range(40);
    const hashes = cache.blockHashes(tokens, undefined);
    expect(hashes).toHaveLength(2);
    expect(cache.blockHashes(tokens, undefined)).toEqual(hashes);
    const salted = cache.blockHashes(tokens, "tenant-a");
    expect(salted.some((h) => hashes.includes(h))).toBe(false);
    // Same second block after a different first block: different hash (chained).
    const other = cache.blockHashes([...range(16, 100), ...range(16, 16)], undefined);
    expect(other[1]).not.toBe(hashes[1]);
  });

  it("matches the longest cached prefix and evicts least recently used blocks", () => {
    const cache = new PrefixCache(3);
    const a = cache.blockHashes(range(64), undefined); // 4 blocks
    expect(cache.matchPrefix(a)).toBe(0);
    cache.insert(a.slice(0, 2));
    expect(cache.matchPrefix(a)).toBe(2);
    expect(cache.matchPrefix(a, 1)).toBe(1);
    cache.insert(a); // 4 blocks into capacity 3: the oldest goes
    expect(cache.size).toBe(3);
    expect(cache.matchPrefix(a)).toBe(0); // block 0 was evicted, so the chain misses at once
  });
});

describe("automatic prefix caching over HTTP", () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSimulator({ models: ["m"] });
  });
  afterAll(() => sim.close());

  const ask = async (salt: string | undefined, content = longText) => {
    const res = await postJson(sim, "/v1/chat/completions", {
      model: "m",
      messages: [{ role: "user", content }],
      max_tokens: 1,
      ...(salt === undefined ? {} : { cache_salt: salt }),
    });
    expect(res.status).toBe(200);
    return res.json.usage as { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  };

  it("reuses full blocks of a repeated prompt with the same salt only", async () => {
    const first = await ask("tenant-a");
    expect(first.prompt_tokens).toBeGreaterThan(500);
    expect(first.prompt_tokens_details.cached_tokens).toBe(0);

    const second = await ask("tenant-a");
    const cached = second.prompt_tokens_details.cached_tokens;
    expect(cached).toBeGreaterThan(first.prompt_tokens - 2 * BLOCK_SIZE - 10);
    expect(cached % BLOCK_SIZE).toBe(0);
    expect(cached).toBeLessThan(second.prompt_tokens);

    expect((await ask("tenant-b")).prompt_tokens_details.cached_tokens).toBe(0);
    expect((await ask(undefined)).prompt_tokens_details.cached_tokens).toBe(0);
    expect((await ask(undefined)).prompt_tokens_details.cached_tokens).toBeGreaterThan(0);
  });

  it("hits on a shared prefix and stops at the first differing block", async () => {
    await ask("shared", longText);
    const changedTail = await ask("shared", `${longText.slice(0, longText.length / 2)} and then it changed.`);
    const cached = changedTail.prompt_tokens_details.cached_tokens;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(changedTail.prompt_tokens - BLOCK_SIZE);
    expect(cached % BLOCK_SIZE).toBe(0);
  });

  it("rejects an empty or non-string cache_salt", async () => {
    const empty = await postJson(sim, "/v1/chat/completions", {
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      cache_salt: "",
    });
    expect(empty.status).toBe(400);
    expect(empty.json.error.param).toBe("cache_salt");
  });
});
