import type { IncomingMessage, ServerResponse } from "node:http";
import { parseEmbeddingRequest, runEmbedding } from "./embeddings-route.js";
import type { Engine } from "./engine.js";
import { runGeneration } from "./generation.js";
import { SimError, isRecord, readJsonBody, sendError, sendJson, sendText } from "./http-util.js";
import { listModels } from "./models.js";
import { parseGenerationRequest } from "./requests.js";

/** Paths not kept in `received()`: probes and scrapes would push out the requests tests look for. */
const UNRECORDED = new Set(["/health", "/metrics"]);

/** Inference paths: counted in `requestsTotal` whatever their outcome. */
const INFERENCE = new Set(["/v1/chat/completions", "/v1/completions", "/v1/embeddings"]);

const methodNotAllowed = (): SimError => new SimError(405, "Method Not Allowed", "MethodNotAllowed");

/** Routes one HTTP request. Every failure becomes an OpenAI-shaped error. */
export async function route(engine: Engine, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method ?? "GET";
  try {
    const body = method === "POST" ? await readJsonBody(req) : undefined;
    if (!UNRECORDED.has(path)) engine.recorder.record({ path, headers: { ...req.headers }, body });
    if (method === "POST" && INFERENCE.has(path)) engine.requestsTotal++;
    if (engine.failing)
      throw new SimError(503, "The engine is unavailable (simulated failure).", "ServiceUnavailableError");
    if (engine.closed) throw new SimError(503, "The engine is shutting down.", "ServiceUnavailableError");
    switch (path) {
      case "/v1/chat/completions":
      case "/v1/completions": {
        if (method !== "POST") throw methodNotAllowed();
        const parsed = parseGenerationRequest(
          engine,
          path === "/v1/completions" ? "completion" : "chat",
          body,
        );
        injectFault(engine);
        return runGeneration(engine, parsed, res);
      }
      case "/v1/embeddings": {
        if (method !== "POST") throw methodNotAllowed();
        const parsed = parseEmbeddingRequest(engine, body);
        injectFault(engine);
        return runEmbedding(engine, parsed, res);
      }
      case "/v1/models":
        return sendJson(res, 200, listModels(engine));
      case "/health":
        return sendText(res, 200, "");
      case "/metrics": {
        const text = await engine.metrics.text();
        res.writeHead(200, { "content-type": engine.metrics.contentType });
        res.end(text);
        return;
      }
      case "/v1/load_lora_adapter":
      case "/v1/unload_lora_adapter": {
        if (method !== "POST") throw methodNotAllowed();
        const fields = isRecord(body) ? body : {};
        const load = path === "/v1/load_lora_adapter";
        return sendText(res, 200, load ? engine.loras.load(fields) : engine.loras.unload(fields));
      }
      default:
        throw new SimError(404, `Not Found: ${method} ${path}`, "NotFoundError");
    }
  } catch (err) {
    const error =
      err instanceof SimError
        ? err
        : new SimError(500, err instanceof Error ? err.message : String(err), "InternalServerError");
    sendError(res, error);
  }
}

function injectFault(engine: Engine): void {
  if (engine.shouldFail()) {
    throw new SimError(500, "Simulated engine failure (fault injection).", "InternalServerError");
  }
}
