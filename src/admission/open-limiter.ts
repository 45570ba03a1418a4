import type { LimitsConfig } from "../config/schema.js";
import type { Limiter } from "./limiter.js";
import { MemoryLimiter } from "./memory/limiter.js";
import { RedisLimiter } from "./redis/limiter.js";

/** The limiter named by `limits.store`: `memory` or `redis://host:port/db`. */
export function openLimiter(limits: LimitsConfig): Limiter {
  if (limits.store === "memory") return new MemoryLimiter();
  return new RedisLimiter({ url: limits.store, keyPrefix: limits.key_prefix });
}
