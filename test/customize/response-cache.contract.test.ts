import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryResponseCache } from "../../src/customize/memory/response-cache.js";
import { RedisResponseCache } from "../../src/customize/redis/response-cache.js";
import { responseCacheKey, type ResponseCache } from "../../src/customize/response-cache.js";
import { deleteKeys, REDIS_URL, redisAvailable } from "../helpers/redis.js";

const prefix = `tgtest:${randomBytes(4).toString("hex")}:rc:`;
const backends: { name: string; available: boolean; make: () => ResponseCache }[] = [
  { name: "memory", available: true, make: () => new MemoryResponseCache(2) },
  { name: "redis", available: redisAvailable, make: () => new RedisResponseCache(REDIS_URL, prefix) },
];

afterAll(async () => {
  if (redisAvailable) await deleteKeys(REDIS_URL, `${prefix}*`);
});

describe("response cache keys", () => {
  it("differ per tenant and ignore key order, stream and user", () => {
    const body = { messages: [{ role: "user", content: "hi" }], max_tokens: 3, temperature: 0 };
    const a = responseCacheKey("acme", "chat", "m", body);
    expect(
      responseCacheKey("acme", "chat", "m", {
        temperature: 0,
        max_tokens: 3,
        messages: body.messages,
        stream: false,
        user: "x",
      }),
    ).toBe(a);
    expect(responseCacheKey("other", "chat", "m", body)).not.toBe(a);
    expect(responseCacheKey("acme", "chat", "m", { ...body, max_tokens: 4 })).not.toBe(a);
    expect(responseCacheKey("acme", "completions", "m", body)).not.toBe(a);
  });
});

describe.each(backends)("response cache contract: $name", (backend) => {
  it.skipIf(!backend.available)("stores, expires and misses", async () => {
    const cache = backend.make();
    try {
      await cache.set("k1", "v1", 60_000);
      // Redis adapters connect lazily: retry the first read briefly
      let v = await cache.get("k1");
      for (let i = 0; i < 20 && v === undefined; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await cache.set("k1", "v1", 60_000);
        v = await cache.get("k1");
      }
      expect(v).toBe("v1");
      expect(await cache.get("missing")).toBeUndefined();
      await cache.set("short", "x", 30);
      await new Promise((r) => setTimeout(r, 80));
      expect(await cache.get("short")).toBeUndefined();
    } finally {
      await cache.close();
    }
  });
});

describe("memory response cache", () => {
  it("evicts the least recently used beyond its size", async () => {
    const cache = new MemoryResponseCache(2);
    await cache.set("a", "1", 60_000);
    await cache.set("b", "2", 60_000);
    await cache.get("a");
    await cache.set("c", "3", 60_000);
    expect(await cache.get("b")).toBeUndefined();
    expect(await cache.get("a")).toBe("1");
  });
});
