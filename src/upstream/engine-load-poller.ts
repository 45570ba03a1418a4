import { request } from "undici";

/** running + waiting requests from a vLLM-style /metrics text (summed over label sets); null if absent. */
export function parseEngineLoad(text: string): number | null {
  let total: number | null = null;
  for (const m of text.matchAll(
    /^vllm:num_requests_(?:running|waiting)(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$/gm,
  )) {
    const v = Number(m[1]);
    if (Number.isFinite(v)) total = (total ?? 0) + v;
  }
  return total;
}

export interface EngineLoadPollerOptions {
  readonly endpoints: readonly string[];
  readonly intervalMs: number;
  /** Called with each endpoint's running + waiting requests after every successful scrape. */
  readonly onLoad: (url: string, requests: number) => void;
  readonly timeoutMs?: number;
}

/**
 * Scrapes each engine's /metrics (vllm:num_requests_running and _waiting) in the background, so the
 * scheduler sees load that did not come through this gateway. Failed scrapes are skipped (the
 * last value stays); health is the health checker's business.
 */
export class EngineLoadPoller {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly options: EngineLoadPollerOptions) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  async poll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(this.options.endpoints.map((url) => this.scrape(url)));
    } finally {
      this.running = false;
    }
  }

  private async scrape(url: string): Promise<void> {
    try {
      const res = await request(`${url}/metrics`, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 2000),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) return;
      const load = parseEngineLoad(text);
      if (load !== null) this.options.onLoad(url, load);
    } catch {
      // unreachable or slow: keep the last value
    }
  }
}
