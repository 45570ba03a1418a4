import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server on a free port for tests (upstreams, guards, fake engines). `close()` also drops the connections it
 * still holds, so a handler that never answers (to let only a signal or a time limit end a
 * request) does not keep the test waiting.
 */
export async function startHttpServer(
  handler: RequestListener,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
