import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestAbort } from "../../src/http/request-abort.js";
import { HttpGuard } from "../../src/upstream/http-guard.js";

describe("HttpGuard", () => {
  let server: Server;
  let url: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // "/allow" answers; anything else never does
    server = createServer((req, res) => {
      if (req.url === "/allow") res.end(JSON.stringify({ allow: true }));
    });
    server.on("connection", (s) => sockets.add(s));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, "close");
  });
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
