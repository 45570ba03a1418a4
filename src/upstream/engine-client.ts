import { Pool, type Dispatcher } from "undici";
import { ApiError } from "../errors.js";

export interface EngineClientOptions {
  readonly connections: number;
  readonly connectTimeoutMs: number;
  /** Time allowed until the engine's response headers (for a stream: its first token). */
  readonly headersTimeoutMs: number;
  /** Longest silence allowed between two body chunks. */
  readonly idleTimeoutMs: number;
  /** Called on every engine failure, for metrics. */
  readonly onFailure?: (endpoint: string, kind: "connect" | "timeout") => void;
}

export interface EngineRequest {
  readonly baseUrl: string;
  readonly path: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** True for the error undici raises when our own signal aborted the request. */
export function isAbort(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === "AbortError" || (err as { code?: string }).code === "UND_ERR_ABORTED")
  );
}

/**
 * Maps a transport failure to the catalogue: a timeout is 504, anything else that kept us from the
 * engine (refused, reset, DNS) is 502. Aborts are rethrown as they are.
 */
export function toEngineError(
  err: unknown,
  endpoint: string,
  onFailure?: EngineClientOptions["onFailure"],
): unknown {
  if (isAbort(err) || err instanceof ApiError) return err;
  const code = (err as { code?: string } | null)?.code ?? "";
  if (TIMEOUT_CODES.has(code)) {
    onFailure?.(endpoint, "timeout");
    return new ApiError("upstream_timeout");
  }
  onFailure?.(endpoint, "connect");
  return new ApiError("upstream_unavailable", `The model engine could not be reached (${code || "error"}).`);
}

/** HTTP client to OpenAI-compatible engines: one keep-alive undici pool per engine base URL. */
export class EngineClient {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: EngineClientOptions) {}

  private pool(baseUrl: string): Pool {
    let pool = this.pools.get(baseUrl);
    if (pool === undefined) {
      pool = new Pool(baseUrl, {
        connections: this.options.connections,
        connect: { timeout: this.options.connectTimeoutMs },
        headersTimeout: this.options.headersTimeoutMs,
        bodyTimeout: this.options.idleTimeoutMs,
        keepAliveTimeout: 30_000,
      });
      this.pools.set(baseUrl, pool);
    }
    return pool;
  }

  /** POSTs JSON to an engine. Transport failures become catalogue errors; HTTP errors are returned. */
  async post(req: EngineRequest): Promise<Dispatcher.ResponseData> {
    try {
      return await this.pool(req.baseUrl).request({
        method: "POST",
        path: req.path,
        headers: { "content-type": "application/json", ...req.headers },
        body: req.body,
        signal: req.signal,
      });
    } catch (err) {
      throw toEngineError(err, req.baseUrl, this.options.onFailure);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
