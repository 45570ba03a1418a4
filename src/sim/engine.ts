import { randomBytes } from "node:crypto";
import { LoraRegistry } from "./lora.js";
import { SimMetrics } from "./metrics.js";
import type { ResolvedSimOptions } from "./options.js";
import { PrefixCache } from "./prefix-cache.js";
import { createRandom } from "./random.js";
import { Recorder } from "./recorder.js";
import { SlotQueue } from "./slots.js";

/** KV-cache capacity in blocks (the prefix-cache LRU and the usage gauge's denominator). */
export const KV_CACHE_BLOCKS = 4096;
/** The context window every served model has (prompt + completion), as vLLM's max_model_len. */
export const MAX_MODEL_LEN = 32768;

/**
 * All the state of one simulator instance: the running batch and its queue, the prefix cache,
 * loaded adapters, metrics and test hooks. Nothing here is global, so simulators can coexist.
 */
export class Engine {
  readonly slots: SlotQueue;
  readonly cache = new PrefixCache(KV_CACHE_BLOCKS);
  readonly loras: LoraRegistry;
  readonly metrics: SimMetrics;
  readonly recorder = new Recorder(100);
  /** Abort callbacks of in-flight requests, run on close(). */
  readonly inFlight = new Set<() => void>();
  readonly created = Math.floor(Date.now() / 1000);
  /** KV blocks held by running requests. */
  blocksInUse = 0;
  requestsTotal = 0;
  failing = false;
  closed = false;
  private readonly faultRandom: () => number;
  private readonly idPrefix = randomBytes(8).toString("hex");
  private idCounter = 0;

  constructor(readonly opts: ResolvedSimOptions) {
    this.slots = new SlotQueue(opts.maxNumSeqs);
    this.loras = new LoraRegistry(opts.maxLoras, opts.models);
    this.faultRandom = createRandom((opts.seed ^ 0x3c6ef372) >>> 0);
    const slots = this.slots;
    this.metrics = new SimMetrics(opts.models[0] ?? opts.embeddingModels[0] ?? "tollgate-sim", {
      get running() {
        return slots.running;
      },
      get waiting() {
        return slots.waiting;
      },
      kvCacheUsage: () => this.kvCacheUsage(),
    });
  }

  /** A unique id such as `chatcmpl-<32 hex>`. */
  nextId(prefix: string): string {
    this.idCounter++;
    return `${prefix}-${this.idPrefix}${this.idCounter.toString(16).padStart(16, "0")}`;
  }

  /** Fault injection: true for a deterministic `errorRate` fraction of requests. */
  shouldFail(): boolean {
    return this.opts.errorRate > 0 && this.faultRandom() < this.opts.errorRate;
  }

  /** A name usable for generation: a served model or a loaded LoRA adapter. */
  isGenerationModel(name: string): boolean {
    return this.opts.models.includes(name) || this.loras.has(name);
  }

  kvCacheUsage(): number {
    return Math.min(1, this.blocksInUse / KV_CACHE_BLOCKS);
  }

  /** Aborts every in-flight request and drops the queue. */
  abortAll(): void {
    this.closed = true;
    for (const abort of [...this.inFlight]) abort();
    this.inFlight.clear();
    this.slots.clearWaiting();
  }
}
