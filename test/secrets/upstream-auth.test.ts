import { describe, expect, it } from "vitest";
import { UpstreamAuth, type SecretSource } from "../../src/secrets/upstream-auth.js";

/** Secrets by "tenant/name", with a switch to make the store unreachable and a read counter. */
class Source implements SecretSource {
  readonly values = new Map<string, string>();
  down = false;
  reads = 0;

  async reveal(tenantId: string, name: string): Promise<string | undefined> {
    this.reads++;
    if (this.down) throw new Error("connection refused");
    return this.values.get(`${tenantId}/${name}`);
  }
}

const auth = { tenant_secret: "openai", header: "authorization", scheme: "Bearer" };
const models = new Map([
  ["gpt-4o", auth],
  ["claude", { tenant_secret: "anthropic", header: "x-api-key", scheme: "" }],
]);

describe("per-tenant upstream credentials", () => {
  it("asks nothing for a model without upstream_auth", () => {
    const source = new Source();
    expect(new UpstreamAuth(models, source, 1000).headers("acme", "llama")).toBeNull();
    expect(source.reads).toBe(0);
  });

  it("sends the requesting tenant's own secret, in the configured header and scheme", async () => {
    const source = new Source();
    source.values.set("acme/openai", "sk-acme");
    source.values.set("globex/openai", "sk-globex");
    source.values.set("acme/anthropic", "ak-acme");
    const upstream = new UpstreamAuth(models, source, 1000);
    expect(await upstream.headers("acme", "gpt-4o")).toEqual({ authorization: "Bearer sk-acme" });
    expect(await upstream.headers("globex", "gpt-4o")).toEqual({ authorization: "Bearer sk-globex" });
    expect(await upstream.headers("acme", "claude")).toEqual({ "x-api-key": "ak-acme" });
  });

  it("refuses a tenant without the secret, with a catalogued error naming it", async () => {
    const source = new Source();
    source.values.set("acme/openai", "sk-acme");
    const upstream = new UpstreamAuth(models, source, 1000);
    await expect(upstream.headers("globex", "gpt-4o")).rejects.toMatchObject({
      code: "tenant_secret_missing",
      status: 403,
      message: expect.stringContaining('"openai"') as unknown,
    });
  });

  it("caches per tenant for the TTL, reads again after it, and drops an entry on a local change", async () => {
    let now = 0;
    const source = new Source();
    source.values.set("acme/openai", "v1");
    const upstream = new UpstreamAuth(models, source, 5000, () => now);
    await Promise.all([upstream.headers("acme", "gpt-4o"), upstream.headers("acme", "gpt-4o")]);
    expect(source.reads).toBe(1); // concurrent misses share one read
    source.values.set("acme/openai", "v2");
    now = 4999;
    expect(await upstream.headers("acme", "gpt-4o")).toEqual({ authorization: "Bearer v1" });
    now = 5000;
    expect(await upstream.headers("acme", "gpt-4o")).toEqual({ authorization: "Bearer v2" });
    source.values.set("acme/openai", "v3");
    upstream.invalidate("acme", "openai");
    expect(await upstream.headers("acme", "gpt-4o")).toEqual({ authorization: "Bearer v3" });
  });

  it("keeps using the last value while the store is down, and fails closed without one", async () => {
    let now = 0;
    const source = new Source();
    source.values.set("acme/openai", "sk-acme");
    const upstream = new UpstreamAuth(models, source, 1000, () => now);
    await upstream.headers("acme", "gpt-4o");
    source.down = true;
    now = 10_000;
    expect(await upstream.headers("acme", "gpt-4o")).toEqual({ authorization: "Bearer sk-acme" });
    await expect(upstream.headers("globex", "gpt-4o")).rejects.toMatchObject({
      code: "secrets_unavailable",
      status: 503,
    });
    source.down = false;
    source.values.set("globex/openai", "sk-globex");
    expect(await upstream.headers("globex", "gpt-4o")).toEqual({ authorization: "Bearer sk-globex" });
  });
});
