import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";

const LONG = `You are reviewing a confidential merger agreement between two companies. ${"Clause text follows. ".repeat(60)}`;

describe("prompt-cache isolation (vLLM cache_salt)", () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      mutate: (c) => {
        c.isolation.cache_salt_secret = "test-secret-for-cache-salts";
        c.tenants["internal-dev"]!.prompt_cache = "user";
      },
    });
  });
  afterAll(async () => t.close());

  const ask = async (key: string, content: string, user?: string) => {
    const r = await t.client(key).chat.completions.create({
      model: "llama-3.1-8b",
      messages: [{ role: "user", content }],
      max_tokens: 2,
      ...(user === undefined ? {} : { user }),
    });
    return r.usage!.prompt_tokens_details!.cached_tokens!;
  };

  it("never shares prefix-cache blocks across tenants, and still caches within one", async () => {
    const a = await t.key("acme-corp");
    const b = await t.key("startup-xyz");
    const prompt = `${LONG} [cross-tenant]`;
    expect(await ask(a, prompt)).toBe(0);
    expect(await ask(b, prompt)).toBe(0); // another tenant: nothing to learn from timing
    const again = await ask(a, prompt);
    expect(again).toBeGreaterThan(0);
    expect(again % 16).toBe(0);
    // the cached part is billed at the cached price: 0.00025 $/1k instead of 0.0005
    const event = t.events.at(-1)!;
    expect(event.usage.cached).toBe(again);
    const expected = Math.floor(
      ((event.usage.input - again) * 500 + again * 250 + event.usage.output * 1500 + 500) / 1000,
    );
    expect(event.costMicros).toBe(expected);
  });

  it("salts per end user when the tenant asks for user isolation", async () => {
    const key = await t.key("internal-dev");
    const prompt = `${LONG} [per-user]`;
    expect(await ask(key, prompt, "alice")).toBe(0);
    expect(await ask(key, prompt, "bob")).toBe(0);
    expect(await ask(key, prompt, "alice")).toBeGreaterThan(0);
  });

  it("sends one stable, secret salt per tenant, never the client's", async () => {
    const a = await t.key("acme-corp");
    await ask(a, "one");
    const first = (t.sim.received().at(-1)!.body as { cache_salt: string }).cache_salt;
    await ask(a, "two");
    expect((t.sim.received().at(-1)!.body as { cache_salt: string }).cache_salt).toBe(first);
    expect(first).not.toContain("acme");
    expect(first.length).toBeGreaterThanOrEqual(32);
  });
});

describe("response cache", () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      mutate: (c) => {
        for (const id of ["acme-corp", "startup-xyz"]) {
          c.tenants[id]!.response_cache = { enabled: true, ttl_seconds: 60, billing: "free" };
        }
      },
    });
  });
  afterAll(async () => t.close());

  const post = (key: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body: JSON.stringify({
        model: "llama-3.1-8b",
        messages: [{ role: "user", content: "cache me" }],
        max_tokens: 3,
      }),
    });

  it("answers repeats from the cache, free by default, and never across tenants", async () => {
    const a = await t.key("acme-corp");
    const b = await t.key("startup-xyz");
    const before = t.sim.stats().requestsTotal;
    const first = await post(a);
    expect(first.headers.get("x-tollgate-cache")).toBe("miss");
    const firstBody = await first.text();
    const second = await post(a);
    expect(second.headers.get("x-tollgate-cache")).toBe("hit");
    expect(await second.text()).toBe(firstBody);
    expect(t.sim.stats().requestsTotal).toBe(before + 1);
    const hit = t.events.at(-1)!;
    expect(hit).toMatchObject({ cacheHit: true, costMicros: 0, status: 200 });

    const other = await post(b); // same request, other tenant: a miss
    expect(other.headers.get("x-tollgate-cache")).toBe("miss");
    expect(t.sim.stats().requestsTotal).toBe(before + 2);
  });

  it("bypasses the cache with cache-control: no-cache, and is off for tenants that did not opt in", async () => {
    const a = await t.key("acme-corp");
    await post(a);
    const before = t.sim.stats().requestsTotal;
    const bypass = await post(a, { "cache-control": "no-cache" });
    expect(bypass.headers.get("x-tollgate-cache")).toBe("miss");
    expect(t.sim.stats().requestsTotal).toBe(before + 1);
    const dev = await t.key("internal-dev");
    const plain = await post(dev);
    expect(plain.headers.get("x-tollgate-cache")).toBeNull();
  });
});
