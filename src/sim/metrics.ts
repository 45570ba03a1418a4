import { Counter, Gauge, Registry } from "prom-client";

/** Live engine state the gauges read at scrape time (nothing is updated on the hot path). */
export interface EngineGaugeSource {
  readonly running: number;
  readonly waiting: number;
  /** Fraction 0..1 of KV blocks held by running requests. */
  kvCacheUsage(): number;
}

/**
 * vLLM-named Prometheus metrics in a private registry (never prom-client's global one), so
 * several simulators can live in one process.
 */
export class SimMetrics {
  readonly registry = new Registry();
  private readonly labels: { model_name: string };
  private readonly promptTokens: Counter<"model_name">;
  private readonly generationTokens: Counter<"model_name">;
  private readonly cacheQueries: Counter<"model_name">;
  private readonly cacheHits: Counter<"model_name">;
  private readonly success: Counter<"model_name" | "finished_reason">;

  constructor(modelName: string, source: EngineGaugeSource) {
    const labels = { model_name: modelName };
    this.labels = labels;
    const registers = [this.registry];
    const labelNames = ["model_name"] as const;
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.set(labels, read());
        },
      });
    };
    gauge(
      "vllm:num_requests_running",
      "Number of requests in model execution batches.",
      () => source.running,
    );
    gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", () => source.waiting);
    gauge("vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage.", () =>
      source.kvCacheUsage(),
    );
    gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", () =>
      source.kvCacheUsage(),
    );
    const counter = (name: string, help: string): Counter<"model_name"> => {
      const c = new Counter({ name, help, labelNames, registers });
      c.inc(labels, 0); // export the series from the start, as vLLM does
      return c;
    };
    this.promptTokens = counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.");
    this.generationTokens = counter("vllm:generation_tokens_total", "Number of generation tokens processed.");
    this.cacheQueries = counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in tokens.");
    this.cacheHits = counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in tokens.");
    this.success = new Counter({
      name: "vllm:request_success_total",
      help: "Count of successfully processed requests.",
      labelNames: ["model_name", "finished_reason"],
      registers,
    });
  }

  prefill(promptTokens: number, cachedTokens: number): void {
    this.promptTokens.inc(this.labels, promptTokens);
    this.cacheQueries.inc(this.labels, promptTokens);
    if (cachedTokens > 0) this.cacheHits.inc(this.labels, cachedTokens);
  }

  /** Embedding requests: prompt tokens only, no prefix-cache lookups. */
  embedded(promptTokens: number): void {
    this.promptTokens.inc(this.labels, promptTokens);
  }

  generated(tokens: number): void {
    if (tokens > 0) this.generationTokens.inc(this.labels, tokens);
  }

  finished(reason: string): void {
    this.success.inc({ model_name: this.labels.model_name, finished_reason: reason });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
