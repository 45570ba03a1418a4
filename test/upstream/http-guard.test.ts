import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestAbort } from "../../src/http/request-abort.js";
import { HttpGuard } from "../../src/upstream/http-guard.js";
import { startHttpServer } from "../helpers/http-server.js";

describe("HttpGuard", () => {
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let url: string;
  beforeAll(async () => {
    // "/allow" answers; anything else never does
    server = await startHttpServer((req, res) => {
      if (req.url === "/allow") res.end(JSON.stringify({ allow: true }));
    });
    url = server.url;
  });
  afterAll(() => server.close());
  const input = { tenant: "t", model: "m", text: "hi" };

  it("returns the guard's verdict", async () => {
    await expect(
      new HttpGuard(`${url}/allow`, 1000).check(input, new RequestAbort().signal),
    ).resolves.toEqual({
      allow: true,
      reason: undefined,
    });
  });

  it("stops when the request's signal aborts, with its reason", async () => {
    const abort = new RequestAbort();
    const pending = new HttpGuard(`${url}/hang`, 10_000).check(input, abort.signal);
    await new Promise((r) => setTimeout(r, 50));
    const reason = new Error("client gone");
    abort.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it("stops at its own time limit", async () => {
    await expect(
      new HttpGuard(`${url}/hang`, 100).check(input, new RequestAbort().signal),
    ).rejects.toMatchObject({
      name: expect.stringMatching(/TimeoutError/),
    });
  });
});
