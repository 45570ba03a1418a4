import type { UsageEvent } from "../../src/usage/usage-event.js";

/** A settled event for tests: a successful 8b chat request of tenant acme on 2026-11-25. */
export function usageEvent(overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId: "req_1",
    time: new Date("2026-11-25T14:03:11.250Z"),
    tenantId: "acme",
    keyId: "key_1",
    user: "alice",
    feature: "search",
    endpoint: "chat",
    model: "llama-3.1-8b",
    servedModel: "meta-llama/Llama-3.1-8B-Instruct",
    modelVersion: "2024-07-23",
    upstream: "http://127.0.0.1:8000",
    usage: { input: 120, output: 30, cached: 64 },
    costMicros: 123,
    price: { inputPer1k: 500, outputPer1k: 1500, cachedInputPer1k: 250 },
    latencyMs: 12.5,
    ttftMs: 3.25,
    status: 200,
    errorCode: null,
    finishReason: "stop",
    stream: true,
    clientAborted: false,
    promptVersion: null,
    cacheHit: false,
    blockedBy: null,
    ...overrides,
  };
}
