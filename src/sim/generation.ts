import type { ServerResponse } from "node:http";
import type { Engine } from "./engine.js";
import { SSE_TYPE, sendJson } from "./http-util.js";
import { BLOCK_SIZE } from "./prefix-cache.js";
import type { GenerationRequest } from "./requests.js";
import { StreamFrames, completionBody, usageOf } from "./responses.js";
import type { SlotTicket } from "./slots.js";
import { generatePieces, naturalLength } from "./vocabulary.js";

/**
 * Runs one chat/completion request through the engine: wait for a slot (FIFO), prefill
 * (prefix-cache lookup, ttftMs), then decode one token every itlMs. With zero delays the whole
 * response is produced synchronously in a single write. A client that goes away frees its
 * queue entry or slot at once.
 */
export function runGeneration(engine: Engine, req: GenerationRequest, res: ServerResponse): void {
  const { ttftMs, itlMs, defaultMaxTokens } = engine.opts;
  const id = engine.nextId(req.kind === "chat" ? "chatcmpl" : "cmpl");
  const created = Math.floor(Date.now() / 1000);
  let ticket: SlotTicket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  let blocks = 0;
  let emitted = 0;

  const finish = (): void => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearTimeout(timer);
    engine.blocksInUse -= blocks;
    engine.metrics.generated(emitted);
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
  const after = (ms: number, fn: () => void): void => {
    if (ms <= 0) fn();
    else timer = setTimeout(fn, ms);
  };

  const start = (t: SlotTicket): void => {
    ticket = t;
    const promptTokens = req.promptTokens;
    const hashes = engine.cache.blockHashes(req.cacheTokens, req.cacheSalt);
    // As in vLLM, the last prompt token is always recomputed, so it is never a cache hit.
    const lookupBlocks = Math.floor((Math.min(promptTokens, req.cacheTokens.length) - 1) / BLOCK_SIZE);
    const hits = engine.cache.matchPrefix(hashes, Math.max(0, lookupBlocks));
    const cached = hits * BLOCK_SIZE;
    const length = req.maxTokens ?? naturalLength(req.outputKey, defaultMaxTokens);
    const finishReason = req.maxTokens !== undefined ? "length" : "stop";
    blocks = Math.ceil((promptTokens + length) / BLOCK_SIZE);
    engine.blocksInUse += blocks;
    after(ttftMs, () => {
      engine.cache.insert(hashes);
      engine.metrics.prefill(promptTokens, cached);
      const pieces = generatePieces(req.outputKey, length);
      const usage = usageOf(promptTokens, length, cached);
      const complete = (): void => {
        emitted = length;
        finish();
        engine.metrics.finished(finishReason);
      };
      if (!req.stream) {
        after(itlMs * (length - 1), () => {
          complete();
          sendJson(res, 200, completionBody(req, id, created, pieces.join(""), finishReason, usage));
        });
        return;
      }
      const frames = new StreamFrames(req, id, created);
      const closing = (): string => frames.finish(finishReason, req.includeUsage ? usage : undefined);
      if (itlMs <= 0) {
        let payload = frames.start();
        for (const piece of pieces) payload += frames.token(piece);
        complete();
        res.end(payload + closing());
        return;
      }
      const step = (): void => {
        const frame = frames.token(pieces[emitted] ?? "");
        emitted++;
        if (emitted < length) {
          res.write(frame);
          timer = setTimeout(step, itlMs);
        } else {
          complete();
          res.end(frame + closing());
        }
      };
      res.write(frames.start());
      step();
    });
  };

  res.on("close", onClose);
  engine.inFlight.add(abort);
  if (req.stream) res.writeHead(200, { "content-type": SSE_TYPE, "cache-control": "no-cache" });
  ticket = engine.slots.acquire(start);
  // Queued or still prefilling: let the client see the stream's headers now, as vLLM does.
  if (!done && req.stream && !res.headersSent) res.flushHeaders();
}
