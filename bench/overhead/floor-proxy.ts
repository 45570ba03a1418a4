/**
 * The floor for bench/overhead (`--floor`): the least a Node.js reverse proxy can do — read the request
 * body, forward it with an undici Pool, return the upstream's status, content type and body. No auth,
 * no parsing, no logs. What it adds over going direct is what Node's HTTP server and undici cost on
 * this machine, whatever the gateway does on top.
 *
 * Started by run.ts --floor (processes.ts: startFloorProxy) with the benches' TypeScript loader:
 *   node --import <loader> bench/overhead/floor-proxy.ts <upstream URL>
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const upstream = process.argv[2];
if (upstream === undefined) {
  console.error("usage: floor-proxy.ts <upstream URL>");
  process.exit(2);
}

// Like the gateway's upstream pool (src/upstream/engine-client.ts), with as many connections as the
// bench config gives it (server.upstream_connections).
const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 30_000 });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body = await readBody(req);
    const up = await pool.request({
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      body: body.length > 0 ? body : null,
    });
    const answer = Buffer.from(await up.body.arrayBuffer());
    const type = up.headers["content-type"];
    res.writeHead(up.statusCode, {
      "content-type": typeof type === "string" ? type : "application/json",
      "content-length": answer.length,
    });
    res.end(answer);
  } catch (err) {
    // The load generator counts a 502 as an error: the floor must not fail silently.
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(err instanceof Error ? err.message : "upstream error");
  }
}

const server = createServer((req, res) => void forward(req, res));
// Fastify's default (the gateway's): idle client connections stay open between runs, as they do there.
server.keepAliveTimeout = 72_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  // The line startService (processes.ts) waits for.
  console.log(`floor proxy listening on http://127.0.0.1:${port}`);
});
