import type { ResponseCache } from "../response-cache.js";

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

/** In-process LRU with per-entry TTL. */
export class MemoryResponseCache implements ResponseCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    if (e.expiresAt <= this.clock()) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.clock() + ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
