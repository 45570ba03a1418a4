import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors.js";
import { MemorySlotStore } from "../../src/scheduler/memory/slot-store.js";
import type { DispatchRequest } from "../../src/scheduler/slot-store.js";
import { flush } from "../helpers/fake-clock.js";
import { asyncOnly, harness, T0 } from "./harness.js";

const apiError = (err: unknown) => {
  expect(err).toBeInstanceOf(ApiError);
  const e = err as ApiError;
  return { code: e.code, status: e.status, retryAfter: e.headers["retry-after"] };
};

describe("fair scheduler: cancellation, timeouts, bounds", () => {
  it("takes an aborted request out of the queue at once; it costs nothing and takes no slot", async () => {
    const h = harness({ capacities: [1] });
    const holder = h.request("a");
    const waiting = h.request("b");
    await flush();
    const reason = new ApiError("client_closed");
    waiting.abort.abort(reason);
    await flush();
    expect(waiting.error).toBe(reason);
    expect(h.scheduler.snapshot().pools[0]!.queued).toBe(0);
    await h.finish(holder);
    expect(await h.store.inFlight(["http://e0"], T0)).toEqual([0]);
    const c = await h.store.counters("m");
    expect(c.b ?? 0).toBe(c.a! - 50); // lifted (to a's counter less its request) when it started waiting, never charged
  });

  it("gives back the slot of a request aborted while the store was granting it, refunded", async () => {
    const h = harness({ capacities: [1], store: asyncOnly(new MemorySlotStore()) });
    const t = h.request("a"); // the grant is on its way (the store answers asynchronously)
    t.abort.abort(new ApiError("client_closed"));
    await flush();
    expect(t.slot).toBeUndefined();
    expect(await h.store.inFlight(["http://e0"], T0)).toEqual([0]);
    expect((await h.store.counters("m")).a).toBe(0);
  });

  it("refuses a request whose signal is already aborted", async () => {
    const h = harness();
    const abort = new AbortController();
    abort.abort(new ApiError("client_closed"));
    await expect(
      h.scheduler.acquire({
        id: "x",
        tenantId: "a",
        priority: "low",
        model: "m",
        inputTokens: 1,
        outputTokens: 1,
        signal: abort.signal,
      }),
    ).rejects.toMatchObject({ code: "client_closed" });
  });

  it("answers 503 server_overloaded with retry-after when a request waited max_wait_ms", async () => {
    const h = harness({ capacities: [1], settings: { maxWaitMs: 1000 } });
    h.request("a");
    const late = h.request("b");
    await h.clock.advance(999);
    expect(late.error).toBeUndefined();
    await h.clock.advance(1);
    expect(apiError(late.error)).toEqual({ code: "server_overloaded", status: 503, retryAfter: "2" });
    expect(h.scheduler.snapshot().pools[0]!.queued).toBe(0);
  });

  it("answers 429 queue_full past a tenant's queue share, 503 past the total, without touching others", async () => {
    const h = harness({ capacities: [1], settings: { maxQueuePerTenant: 2, maxQueueTotal: 3 } });
    h.request("a");
    await flush();
    h.request("a");
    const third = h.request("a");
    await flush();
    expect(third.error).toBeUndefined(); // one of a's three is running: two wait
    const fourth = h.request("a");
    await flush();
    expect(apiError(fourth.error)).toEqual({ code: "queue_full", status: 429, retryAfter: "1" });
    h.request("b");
    const over = h.request("c");
    await flush();
    expect(apiError(over.error)).toEqual({ code: "server_overloaded", status: 503, retryAfter: "2" });
  });

  it("fails every waiting request with 503 limiter_unavailable when the shared store is down", async () => {
    const memory = new MemorySlotStore();
    let down = false;
    const store = Object.assign(Object.create(memory) as MemorySlotStore, {
      dispatch: (r: DispatchRequest) => (down ? Promise.reject(new Error("down")) : memory.dispatch(r)),
    });
    const h = harness({ capacities: [1], store });
    h.request("a");
    await flush();
    down = true;
    const w = [h.request("b"), h.request("c")];
    await flush();
    for (const t of w) expect(apiError(t.error)).toMatchObject({ code: "limiter_unavailable", status: 503 });
  });

  it("rejects what still waits with not_ready on close", async () => {
    const h = harness({ capacities: [1] });
    h.request("a");
    const w = h.request("b");
    await flush();
    await h.scheduler.close();
    await flush();
    expect(apiError(w.error).code).toBe("not_ready");
  });
});

describe("fair scheduler: capacity and endpoints", () => {
  it("never grants more than each endpoint's capacity, preferring routing's choice when it has room", async () => {
    const h = harness({ capacities: [1, 2] });
    const t = [h.request("a", { prefer: "http://e0" }), h.request("a", { prefer: "http://e0" })];
    t.push(h.request("a"), h.request("a"));
    await flush();
    expect(t.map((x) => x.slot?.endpoint)).toEqual(["http://e0", "http://e1", "http://e1", undefined]);
    await h.finish(t[1]!);
    expect(t[3]!.slot?.endpoint).toBe("http://e1");
  });

  it("sends a retry to an endpoint it has not tried when one has room", async () => {
    const h = harness({ capacities: [2, 2] });
    const t = h.request("a", { prefer: "http://e0", avoid: new Set(["http://e0"]) });
    await flush();
    expect(t.slot?.endpoint).toBe("http://e1");
  });

  it("leaves room for load from outside the gateway (engine metrics)", async () => {
    const h = harness({ capacities: [3] });
    h.scheduler.setExternalLoad("http://e0", 2);
    const t = [h.request("a"), h.request("a")];
    await flush();
    expect(t.map((x) => x.slot !== undefined)).toEqual([true, false]);
    h.scheduler.setExternalLoad("http://e0", 1);
    await flush();
    expect(t[1]!.slot?.endpoint).toBe("http://e0");
  });

  it("sends nothing to an unhealthy endpoint while another is healthy", async () => {
    const h = harness({ capacities: [5, 5], available: (url) => url !== "http://e0" });
    const t = [h.request("a", { prefer: "http://e0" }), h.request("a")];
    await flush();
    expect(t.map((x) => x.slot?.endpoint)).toEqual(["http://e1", "http://e1"]);
  });

  it("renews the leases of long requests so they never expire while running", async () => {
    const h = harness({ capacities: [1], settings: { leaseTtlMs: 3000 } });
    h.request("a");
    await h.clock.advance(10_000);
    expect(await h.store.inFlight(["http://e0"], h.clock.now())).toEqual([1]);
  });
});
