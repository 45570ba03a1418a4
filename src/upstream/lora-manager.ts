import { ApiError } from "../errors.js";
import type { LoraAdapter } from "../tenancy/policy.js";
import type { EngineClient } from "./engine-client.js";

interface Loaded {
  inUse: number;
}

/**
 * Loads tenants' LoRA adapters on engines on demand (vLLM's /v1/load_lora_adapter) and unloads the
 * least recently used idle one when an endpoint would hold more than `maxLoras`.
 */
export class LoraManager {
  /** Per endpoint, adapters in least-recently-used order (Map insertion order). */
  private readonly loaded = new Map<string, Map<string, Loaded>>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(private readonly engines: EngineClient) {}

  /** Makes sure `adapter` is loaded on `endpoint`; the returned function releases it after the request. */
  async acquire(
    endpoint: string,
    adapter: LoraAdapter,
    maxLoras: number,
    signal: AbortSignal,
  ): Promise<() => void> {
    const key = `${endpoint}\u0000${adapter.name}`;
    const table = this.table(endpoint);
    while (!table.has(adapter.name)) {
      const pending = this.loading.get(key);
      if (pending !== undefined) {
        await pending;
        continue;
      }
      const load = this.load(endpoint, adapter, maxLoras, signal).finally(() => this.loading.delete(key));
      this.loading.set(key, load);
      await load;
    }
    const entry = table.get(adapter.name)!;
    table.delete(adapter.name);
    table.set(adapter.name, entry); // most recently used
    entry.inUse++;
    let released = false;
    return () => {
      if (!released) entry.inUse--;
      released = true;
    };
  }

  /** Forgets an adapter the engine no longer has (e.g. the engine restarted). */
  forget(endpoint: string, name: string): void {
    this.loaded.get(endpoint)?.delete(name);
  }

  loadedOn(endpoint: string): string[] {
    return [...this.table(endpoint).keys()];
  }

  private table(endpoint: string): Map<string, Loaded> {
    let t = this.loaded.get(endpoint);
    if (t === undefined) {
      t = new Map();
      this.loaded.set(endpoint, t);
    }
    return t;
  }

  private async load(
    endpoint: string,
    adapter: LoraAdapter,
    maxLoras: number,
    signal: AbortSignal,
  ): Promise<void> {
    const table = this.table(endpoint);
    while (table.size >= maxLoras) {
      const idle = [...table.entries()].find(([, e]) => e.inUse === 0);
      if (idle === undefined) break; // every slot is busy: the engine decides
      table.delete(idle[0]);
      await this.call(endpoint, "/v1/unload_lora_adapter", { lora_name: idle[0] }, signal).catch(
        () => undefined,
      );
    }
    const res = await this.call(
      endpoint,
      "/v1/load_lora_adapter",
      { lora_name: adapter.name, lora_path: adapter.path },
      signal,
    );
    if (res.status >= 300 && !/already (been )?loaded/i.test(res.text)) {
      throw new ApiError(
        "upstream_error",
        `The engine could not load the LoRA adapter (HTTP ${res.status}).`,
      );
    }
    table.set(adapter.name, { inUse: 0 });
  }

  private async call(
    endpoint: string,
    path: string,
    body: object,
    signal: AbortSignal,
  ): Promise<{ status: number; text: string }> {
    const res = await this.engines.post({ baseUrl: endpoint, path, body: JSON.stringify(body), signal });
    return { status: res.statusCode, text: await res.body.text() };
  }
}
