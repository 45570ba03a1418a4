import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Engine } from "./engine.js";
import { resolveOptions } from "./options.js";
import { route } from "./router.js";

export interface SimOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Served model names (chat/completions); normally at least one (may be empty for an embeddings-only sim). */
  models: string[];
  /** Served names treated as embedding models (any model name is accepted by /v1/embeddings). */
  embeddingModels?: string[];
  /** Default 256: at most this many requests generate at once, the rest wait FIFO. */
  maxNumSeqs?: number;
  /** Default 0: time to first token (prefill) per request once it is running. */
  ttftMs?: number;
  /** Default 0: inter-token latency. */
  itlMs?: number;
  /** Default 768. */
  embeddingDim?: number;
  /** Default 0: probability 0..1 that a request fails with a 500 OpenAI-shaped error. */
  errorRate?: number;
  /** Default 0: deterministic outputs for a given seed + request. */
  seed?: number;
  /** Default 8: max loaded LoRA adapters. */
  maxLoras?: number;
  /** Default 16: output length bound when the request sets no max_tokens. */
  defaultMaxTokens?: number;
}

export interface SimStats {
  running: number;
  waiting: number;
  maxRunning: number;
  requestsTotal: number;
}

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface RunningSim {
  /** e.g. "http://127.0.0.1:41234" (no trailing slash, no /v1). */
  url: string;
  port: number;
  /** Live counters; maxRunning = peak concurrent running since start or the last resetStats(). */
  stats(): SimStats;
  resetStats(): void;
  /** The last 100 requests received (except /health and /metrics). */
  received(): ReceivedRequest[];
  /** When on, every request answers 503. */
  setFailing(on: boolean): void;
  /** Stops listening, aborts in-flight work, resolves when closed. */
  close(): Promise<void>;
}

/** Starts an OpenAI-compatible, vLLM-like engine simulator. */
export async function startSimulator(opts: SimOptions): Promise<RunningSim> {
  const options = resolveOptions(opts);
  const engine = new Engine(options);
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    void route(engine, req, res);
  });
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = urlHost(options.host);
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${port}`,
    port,
    stats: () => ({
      running: engine.slots.running,
      waiting: engine.slots.waiting,
      maxRunning: engine.slots.maxRunning,
      requestsTotal: engine.requestsTotal,
    }),
    resetStats: () => {
      engine.slots.resetPeak();
      engine.requestsTotal = 0;
    },
    received: () => engine.recorder.list(),
    setFailing: (on) => {
      engine.failing = on;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        engine.abortAll();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The host part of the URL clients should use: a wildcard bind is reached via loopback. */
function urlHost(bind: string): string {
  if (bind === "0.0.0.0") return "127.0.0.1";
  if (bind === "::" || bind === "[::]") return "[::1]";
  return bind.includes(":") ? `[${bind}]` : bind;
}
