import { Agent, request } from "undici";
import { MODEL } from "./services.js";

/** One finished request, as the client saw it. */
export interface Sample {
  readonly tenant: string;
  /** ms since the run's epoch (performance.now based). */
  readonly start: number;
  readonly end: number;
  readonly status: number;
  /** VTC service of the request: prompt tokens + 2 × completion tokens (0 on failure). */
  readonly service: number;
}

const agent = new Agent({
  connections: 256,
  keepAliveTimeout: 60_000,
  headersTimeout: 600_000,
  bodyTimeout: 600_000,
});
const PROMPT =
  "Summarise the attached quarterly report for the board, in plain words, with the three main risks.";

/**
 * A tenant's closed-loop clients: `concurrency` workers, each sending its next request as soon as
 * the previous one ends. Lowering the concurrency lets surplus workers finish their request and stop.
 */
export class ClosedLoop {
  private workers = 0;
  private target = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly tenant: string,
    private readonly maxTokens: number,
    private readonly epoch: number,
    private readonly onSample: (s: Sample) => void,
  ) {}

  setConcurrency(n: number): void {
    this.target = n;
    while (this.workers < this.target) {
      this.workers++;
      const p = this.work().finally(() => this.running.delete(p));
      this.running.add(p);
    }
  }

  /** Stops every worker after its current request; resolves when all have ended. */
  async stop(): Promise<void> {
    this.target = 0;
    await Promise.all(this.running);
  }

  private async work(): Promise<void> {
    while (this.workers <= this.target) {
      const start = performance.now() - this.epoch;
      let status = 0;
      let service = 0;
      try {
        const res = await request(`${this.url}/v1/chat/completions`, {
          method: "POST",
          dispatcher: agent,
          headers: { authorization: `Bearer ${this.key}`, "content-type": "application/json" },
          body: JSON.stringify({
            model: MODEL,
            messages: [{ role: "user", content: PROMPT }],
            max_tokens: this.maxTokens,
          }),
        });
        status = res.statusCode;
        const body = (await res.body.json()) as {
          usage?: { prompt_tokens: number; completion_tokens: number };
        };
        if (status === 200 && body.usage)
          service = body.usage.prompt_tokens + 2 * body.usage.completion_tokens;
      } catch {
        status = -1;
      }
      this.onSample({ tenant: this.tenant, start, end: performance.now() - this.epoch, status, service });
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    this.workers--;
  }
}

/** Samples the engine's running/waiting gauges from its /metrics. */
export class EngineSampler {
  readonly samples: { t: number; running: number; waiting: number }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly simUrl: string,
    private readonly epoch: number,
  ) {}

  start(everyMs = 100): void {
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    try {
      const text = await (await request(`${this.simUrl}/metrics`, { dispatcher: agent })).body.text();
      const read = (name: string) =>
        Number(new RegExp(`^vllm:${name}\\S*\\s+(\\S+)$`, "m").exec(text)?.[1] ?? NaN);
      this.samples.push({
        t: performance.now() - this.epoch,
        running: read("num_requests_running"),
        waiting: read("num_requests_waiting"),
      });
    } catch {
      // a missed sample
    }
  }
}

export async function closeLoad(): Promise<void> {
  await agent.close();
}
