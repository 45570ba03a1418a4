import { createHash } from "node:crypto";
import { Redis } from "ioredis";

/**
 * A Redis client that fails fast instead of queueing: the gateway turns a rejected command into
 * 503 limiter_unavailable and must never hang on a dead Redis.
 *
 * - Until the first connection attempt settles (ready or closed), commands wait in the offline
 *   queue, so a limiter used right after construction works; `commandTimeout` bounds that wait and
 *   `maxRetriesPerRequest: 0` rejects them as soon as the attempt fails.
 * - After that the offline queue is off: while disconnected, commands reject immediately.
 * - In-flight commands are rejected on disconnect and never resent (a resent admission whose caller
 *   already gave up would hold capacity until its lease expires).
 * - Reconnection continues in the background with capped backoff, so service resumes on its own.
 * - 'error' events are swallowed: the caller reports the rejected command.
 */
export function createFailFastClient(url: string, commandTimeoutMs: number): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(2000, commandTimeoutMs),
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2000),
  });
  client.on("error", () => undefined);
  const failFast = () => {
    client.options.enableOfflineQueue = false;
  };
  client.once("ready", failFast);
  client.once("close", failFast);
  return client;
}

/** Quits politely when connected (pending replies arrive first), else drops the connection. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === "ready") {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: drop the connection
    }
  }
  client.disconnect();
}

/** A Lua script run by EVALSHA, falling back to EVAL (which caches it) after NOSCRIPT. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** The integer array a script returned, checked. */
export function integers(reply: unknown, minLength: number): number[] {
  if (!Array.isArray(reply) || reply.length < minLength || !reply.every((v) => typeof v === "number")) {
    throw new Error("unexpected reply from a limiter script");
  }
  return reply;
}
