import { Redis } from "ioredis";
import type { ResponseCache } from "../response-cache.js";

/** Responses in Redis (SET PX), shared by every replica. A failing Redis is a cache miss, never an error. */
export class RedisResponseCache implements ResponseCache {
  private readonly client: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.client = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 200 });
    this.client.on("error", () => undefined);
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.client.get(this.prefix + key)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.client.set(this.prefix + key, value, "PX", ttlMs);
    } catch {
      // a cache that cannot store is only a slower cache
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
