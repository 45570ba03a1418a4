import OpenAI from "openai";
import { modelSchema } from "../../src/config/schema.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestGateway, type TestGateway } from "../helpers/gateway.js";

let t: TestGateway;
let acme: OpenAI;
let acmeKey: string;
let freeKey: string;

beforeAll(async () => {
  t = await startTestGateway();
  acmeKey = await t.key("acme-corp");
  freeKey = await t.key("internal-dev");
  acme = t.client(acmeKey);
});
afterAll(async () => t.close());

const lastReceived = () => t.sim.received().at(-1)!;

describe("chat completions through the official SDK", () => {
  it("answers non-streaming with the public model name, engine usage and a request id", async () => {
    const { data, response } = await acme.chat.completions
      .create({ model: "llama-3.1-70b", messages: [{ role: "user", content: "Hello there" }], max_tokens: 7 })
      .withResponse();
    expect(data.model).toBe("llama-3.1-70b");
    expect(data.choices[0]!.finish_reason).toBe("length");
    expect(data.usage!.completion_tokens).toBe(7);
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    const sent = lastReceived();
    expect((sent.body as { model: string }).model).toBe("meta-llama/Llama-3.1-70B-Instruct");
    expect(sent.headers.authorization).toBeUndefined();
    const event = t.events.find((e) => e.requestId === response.headers.get("x-request-id"))!;
    expect(event).toMatchObject({
      tenantId: "acme-corp",
      model: "llama-3.1-70b",
      status: 200,
      stream: false,
    });
    expect(event.usage).toEqual({ input: data.usage!.prompt_tokens, output: 7, cached: 0 });
    // 0.004 $/1k in, 0.012 $/1k out, in integer micro-dollars
    expect(event.costMicros).toBe(Math.round((data.usage!.prompt_tokens * 4000 + 7 * 12000) / 1000));
  });

  it("streams chunk by chunk, always asks the engine for usage, and hides it unless asked", async () => {
    const stream = await acme.chat.completions.create({
      model: "llama-3.1-8b",
      messages: [{ role: "user", content: "Count" }],
      max_tokens: 5,
      stream: true,
    });
    let text = "";
    let usageChunks = 0;
    for await (const chunk of stream) {
      expect(chunk.model).toBe("llama-3.1-8b");
      if (chunk.usage) usageChunks++;
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usageChunks).toBe(0);
    const sent = lastReceived().body as { stream_options: { include_usage: boolean } };
    expect(sent.stream_options.include_usage).toBe(true);
    const event = t.events.at(-1)!;
    expect(event).toMatchObject({ stream: true, status: 200, finishReason: "length", clientAborted: false });
    expect(event.usage.output).toBe(5);
    expect(event.ttftMs).not.toBeNull();
  });

  it("passes the usage chunk to clients that ask for it", async () => {
    const stream = await acme.chat.completions.create({
      model: "llama-3.1-8b",
      messages: [{ role: "user", content: "Count" }],
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    const usages = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toHaveLength(1);
    expect(usages[0]!.completion_tokens).toBe(4);
  });

  it("replaces a client-supplied cache_salt with the tenant's own", async () => {
    await acme.chat.completions.create({
      model: "llama-3.1-8b",
      messages: [{ role: "user", content: "salt?" }],
      max_tokens: 1,
      // @ts-expect-error: not an OpenAI parameter; the gateway owns it
      cache_salt: "guess-another-tenants-salt",
    });
    const salt = (lastReceived().body as { cache_salt?: string }).cache_salt;
    expect(salt).toBeDefined();
    expect(salt).not.toBe("guess-another-tenants-salt");
  });
});

describe("completions and embeddings", () => {
  it("serves legacy completions, streaming and not", async () => {
    const c = await acme.completions.create({ model: "llama-3.1-8b", prompt: "Once upon", max_tokens: 3 });
    expect(c.model).toBe("llama-3.1-8b");
    expect(c.usage!.completion_tokens).toBe(3);
    const stream = await acme.completions.create({
      model: "llama-3.1-8b",
      prompt: "Once",
      max_tokens: 3,
      stream: true,
    });
    let pieces = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.text) pieces++;
    expect(pieces).toBe(3);
  });

  it("returns the same vectors as float and as base64 (the JS SDK's default)", async () => {
    const viaBase64 = await acme.embeddings.create({
      model: "nomic-embed-text",
      input: ["tenant isolation", "cats"],
    });
    const viaFloat = await acme.embeddings.create({
      model: "nomic-embed-text",
      input: ["tenant isolation", "cats"],
      encoding_format: "float",
    });
    expect(lastReceived().body).toMatchObject({ encoding_format: "float", model: "nomic-embed-text" });
    expect(viaBase64.data).toHaveLength(2);
    expect(viaBase64.model).toBe("nomic-embed-text");
    const a = viaBase64.data[0]!.embedding;
    const b = viaFloat.data[0]!.embedding;
    expect(a.length).toBe(b.length);
    a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 6));
    expect(viaFloat.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("refuses a chat model on the embeddings endpoint", async () => {
    await expect(acme.embeddings.create({ model: "llama-3.1-8b", input: "x" })).rejects.toMatchObject({
      status: 400,
      code: "unsupported_model_kind",
    });
  });
});

describe("models and authorization", () => {
  it("lists only the caller's models", async () => {
    const acmeModels = (await acme.models.list()).data.map((m) => m.id);
    expect(acmeModels).toEqual(["llama-3.1-70b", "llama-3.1-8b", "nomic-embed-text"]);
    const freeModels = (await t.client(freeKey).models.list()).data.map((m) => m.id);
    expect(freeModels).toEqual(["llama-3.1-8b"]);
    expect((await acme.models.retrieve("llama-3.1-70b")).id).toBe("llama-3.1-70b");
    await expect(t.client(freeKey).models.retrieve("llama-3.1-70b")).rejects.toMatchObject({ status: 403 });
    await expect(acme.models.retrieve("gpt-9")).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
  });

  it("answers 403 for another tier's model and 404 for an unknown one, and counts both", async () => {
    const free = t.client(freeKey);
    const before = t.events.length;
    await expect(
      free.chat.completions.create({ model: "llama-3.1-70b", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 403, code: "model_not_allowed", param: "model" });
    await expect(
      free.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 404, code: "model_not_found" });
    const rejected = t.events.slice(before);
    expect(rejected.map((e) => [e.tenantId, e.status, e.errorCode, e.usage.input])).toEqual([
      ["internal-dev", 403, "model_not_allowed", 0],
      ["internal-dev", 404, "model_not_found", 0],
    ]);
  });

  it("answers 401 without a key, with an unknown key, a bad checksum or a mismatched tenant", async () => {
    const msg = { model: "llama-3.1-8b", messages: [{ role: "user" as const, content: "hi" }] };
    for (const key of ["", "sk-unknown", acmeKey.slice(0, -1) + (acmeKey.endsWith("A") ? "B" : "A")]) {
      const res = await fetch(`${t.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(msg),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
    }
    await expect(t.client("tg_wrong").chat.completions.create(msg)).rejects.toMatchObject({ status: 401 });
    const mismatch = new OpenAI({
      baseURL: `${t.url}/v1`,
      apiKey: acmeKey,
      maxRetries: 0,
      defaultHeaders: { "x-tenant-id": "startup-xyz" },
    });
    await expect(mismatch.chat.completions.create(msg)).rejects.toMatchObject({ status: 401 });
    const viaHeader = await fetch(`${t.url}/v1/models`, {
      headers: { "x-api-key": acmeKey, "x-tenant-id": "acme-corp" },
    });
    expect(viaHeader.status).toBe(200);
  });
});

describe("malformed requests", () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${acmeKey}`, "content-type": "application/json", ...headers },
      body,
    });

  it("answers 400 invalid_json for a body that is not JSON", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: "invalid_json", type: "invalid_request_error", param: null });
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("answers 400 naming the missing or invalid parameter", async () => {
    const missing = (await (await post(JSON.stringify({ model: "llama-3.1-8b" }))).json()) as {
      error: { param: string; code: string };
    };
    expect(missing.error).toMatchObject({ param: "messages", code: "invalid_request" });
    const res = await post(JSON.stringify({ model: "llama-3.1-8b", messages: [], max_tokens: -1 }));
    expect(res.status).toBe(400);
  });

  it("answers 413 for a body over server.body_limit", async () => {
    const huge = JSON.stringify({
      model: "llama-3.1-8b",
      messages: [{ role: "user", content: "x".repeat(70_000) }],
    });
    const res = await post(huge);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
  });

  it("answers 404 in OpenAI shape for unknown routes", async () => {
    const res = await fetch(`${t.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("engine failures and client aborts", () => {
  it("passes an engine's own error through in OpenAI shape", async () => {
    t.sim.setFailing(true);
    try {
      await expect(
        acme.chat.completions.create({ model: "llama-3.1-8b", messages: [{ role: "user", content: "hi" }] }),
      ).rejects.toMatchObject({ status: 503 });
    } finally {
      t.sim.setFailing(false);
    }
  });

  it("frees the engine slot at once when the client aborts mid-stream, and bills what was streamed", async () => {
    const slow = await startTestGateway({ sim: { itlMs: 40 } });
    try {
      const client = slow.client(await slow.key("acme-corp"));
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        {
          model: "llama-3.1-8b",
          messages: [{ role: "user", content: "long story" }],
          max_tokens: 500,
          stream: true,
        },
        { signal: controller.signal },
      );
      let pieces = 0;
      try {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) pieces++;
          if (pieces === 3) controller.abort();
        }
      } catch {
        // depending on timing the SDK ends the iteration or throws an abort error
      }
      expect(pieces).toBe(3);
      await eventually(() => slow.sim.stats().running === 0);
      await eventually(() => slow.events.length === 1);
      const event = slow.events[0]!;
      expect(event.clientAborted).toBe(true);
      expect(event.status).toBe(499);
      expect(event.usage.output).toBeGreaterThanOrEqual(3);
      expect(event.usage.output).toBeLessThan(500);
      expect(event.usage.input).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  it("answers 502 when the engine is unreachable and 504 when it is too slow", async () => {
    const g = await startTestGateway({
      sim: { ttftMs: 5000 },
      mutate: (c) => {
        c.models["dead"] = modelSchema.parse({ upstreams: ["http://127.0.0.1:9"], pricing: "free" });
        c.tenants["acme-corp"]!.models_allowed.push("dead");
      },
    });
    try {
      const client = g.client(await g.key("acme-corp"));
      await expect(
        client.chat.completions.create({ model: "dead", messages: [{ role: "user", content: "hi" }] }),
      ).rejects.toMatchObject({ status: 502, code: "upstream_unavailable" });
      await expect(
        client.chat.completions.create({
          model: "llama-3.1-8b",
          messages: [{ role: "user", content: "hi" }],
        }),
      ).rejects.toMatchObject({ status: 504, code: "upstream_timeout" });
      await eventually(() => g.sim.stats().running === 0);
    } finally {
      await g.close();
    }
  });
});

describe("metrics", () => {
  it("exports per-tenant request, token and latency series", async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(
      /llm_tenant_requests_total\{tenant="acme-corp",model="llama-3.1-70b",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /llm_tenant_errors_total\{tenant="internal-dev",model="llama-3.1-70b",code="model_not_allowed"\} 1/,
    );
    expect(text).toMatch(
      /llm_tenant_tokens_total\{tenant="acme-corp",model="llama-3.1-70b",type="output"\} [1-9]/,
    );
    expect(text).toContain("llm_request_duration_seconds_bucket");
    expect(text).toContain("llm_time_to_first_token_seconds_bucket");
    expect(text).toMatch(/llm_auth_failures_total\{reason="unknown"\} [1-9]/);
  });

  it("reports health and readiness", async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, problems: [] });
  });
});
