import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest request body the simulator accepts (vLLM has no small limit; this just bounds memory). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export const JSON_TYPE = "application/json";
export const SSE_TYPE = "text/event-stream; charset=utf-8";

/** An OpenAI-shaped error as vLLM returns it. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, param: string | null = null): SimError =>
  new SimError(400, message, "BadRequestError", param);

export const notFound = (message: string): SimError => new SimError(404, message, "NotFoundError");

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** `{"error":{"message","type","param","code"}}` with `code` = the HTTP status, as vLLM does. */
export function sendError(res: ServerResponse, error: SimError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, {
    error: { message: error.message, type: error.type, param: error.param, code: error.status },
  });
}

/** Reads and parses a JSON body. Resolves `undefined` for an empty body; rejects with a SimError. */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SimError(413, "Request body too large.", "BadRequestError"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size === 0) return resolve(undefined);
      const text =
        chunks.length === 1
          ? (chunks[0] ?? Buffer.alloc(0)).toString("utf8")
          : Buffer.concat(chunks).toString("utf8");
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(badRequest("Invalid JSON body: could not parse the request as JSON."));
      }
    });
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
