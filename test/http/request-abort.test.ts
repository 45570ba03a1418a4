import { EventEmitter, once } from "node:events";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestAbort } from "../../src/http/request-abort.js";
import { startHttpServer } from "../helpers/http-server.js";

describe("RequestAbort", () => {
  it("aborts once: sets the reason, calls onabort and the listeners, and later calls change nothing", () => {
    const abort = new RequestAbort();
    const seen: unknown[] = [];
    abort.signal.onabort = () => seen.push("onabort");
    abort.signal.addEventListener("abort", () => seen.push(abort.signal.reason), { once: true });
    const removed = (): number => seen.push("removed");
    abort.signal.addEventListener("abort", removed);
    abort.signal.removeEventListener("abort", removed);
    expect(abort.signal.aborted).toBe(false);
    expect(() => abort.signal.throwIfAborted()).not.toThrow();

    const reason = new Error("client gone");
    abort.abort(reason);
    abort.abort(new Error("again"));
    expect(seen).toEqual(["onabort", reason]);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
    expect(() => abort.signal.throwIfAborted()).toThrow(reason);
  });

  it("stops events.once() waits, like an AbortSignal", async () => {
    const abort = new RequestAbort();
    const waiting = once(new EventEmitter(), "drain", { signal: abort.signal });
    abort.abort(new Error("time limit"));
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
  });

  describe("as undici's request signal", () => {
    let server: Awaited<ReturnType<typeof startHttpServer>>;
    let url: string;
    beforeAll(async () => {
      server = await startHttpServer(() => undefined); // answers nothing: only the signal ends a request
      url = server.url;
    });
    afterAll(() => server.close());

    it("aborts an upstream request in flight with its reason", async () => {
      const abort = new RequestAbort();
      const pending = request(url, { method: "POST", body: "{}", signal: abort.signal });
      await new Promise((r) => setTimeout(r, 50));
      const reason = new Error("client gone");
      abort.abort(reason);
      await expect(pending).rejects.toBe(reason);
    });

    it("refuses to start a request on an aborted signal", async () => {
      const abort = new RequestAbort();
      const reason = new Error("already gone");
      abort.abort(reason);
      await expect(request(url, { signal: abort.signal })).rejects.toBe(reason);
    });
  });
});
