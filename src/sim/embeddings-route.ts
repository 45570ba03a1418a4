import type { ServerResponse } from "node:http";
import { countTextTokens } from "../usage/tokens.js";
import { embedText, toBase64 } from "./embeddings.js";
import type { Engine } from "./engine.js";
import { badRequest, isRecord, sendJson } from "./http-util.js";
import type { SlotTicket } from "./slots.js";

export interface EmbeddingRequest {
  readonly model: string;
  readonly inputs: readonly string[];
  readonly base64: boolean;
  readonly dimensions: number;
}

/** Validates a `/v1/embeddings` body. Any model name is accepted. */
export function parseEmbeddingRequest(engine: Engine, raw: unknown): EmbeddingRequest {
  if (!isRecord(raw)) throw badRequest("The request body must be a JSON object.");
  const { embeddingModels, models, embeddingDim } = engine.opts;
  const model = raw.model ?? embeddingModels[0] ?? models[0];
  if (typeof model !== "string") throw badRequest("'model' must be a string.", "model");
  const input = raw.input;
  const inputs = typeof input === "string" ? [input] : input;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((s) => typeof s === "string")) {
    throw badRequest("'input' must be a string or a non-empty array of strings.", "input");
  }
  const format = raw.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    throw badRequest("'encoding_format' must be 'float' or 'base64'.", "encoding_format");
  }
  const dimensions = raw.dimensions ?? embeddingDim;
  if (
    typeof dimensions !== "number" ||
    !Number.isInteger(dimensions) ||
    dimensions < 1 ||
    dimensions > embeddingDim
  ) {
    throw badRequest(`'dimensions' must be an integer in 1..${embeddingDim}.`, "dimensions");
  }
  return { model, inputs, base64: format === "base64", dimensions };
}

/** Embeddings take a slot like any request and hold it for the prefill time (ttftMs). */
export function runEmbedding(engine: Engine, req: EmbeddingRequest, res: ServerResponse): void {
  let ticket: SlotTicket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearTimeout(timer);
    ticket?.release();
    engine.inFlight.delete(abort);
    res.off("close", onClose);
  };
  const abort = (): void => {
    if (done) return;
    finish();
    if (!res.writableEnded) res.destroy();
  };
  const onClose = (): void => {
    if (!res.writableFinished) abort();
  };
  const respond = (): void => {
    let promptTokens = 0;
    const data = req.inputs.map((text, index) => {
      promptTokens += countTextTokens(text);
      const vector = embedText(text, req.dimensions);
      return { object: "embedding", index, embedding: req.base64 ? toBase64(vector) : Array.from(vector) };
    });
    finish();
    engine.metrics.embedded(promptTokens);
    engine.metrics.finished("stop");
    sendJson(res, 200, {
      id: engine.nextId("embd"),
      object: "list",
      created: Math.floor(Date.now() / 1000),
      model: req.model,
      data,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    });
  };
  res.on("close", onClose);
  engine.inFlight.add(abort);
  ticket = engine.slots.acquire((t) => {
    ticket = t;
    if (engine.opts.ttftMs > 0) timer = setTimeout(respond, engine.opts.ttftMs);
    else respond();
  });
}
