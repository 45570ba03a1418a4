import { createHash } from "node:crypto";

/** The port of the exact-match response cache. Adapters: memory/ (LRU) and redis/. */
export interface ResponseCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Fields that do not change the answer and so are not part of the key. */
const IGNORED = new Set(["stream", "stream_options", "user"]);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The key of a request: tenant + endpoint + public model + the request with keys sorted. The tenant
 * is part of the hashed material, so no two tenants ever share an entry.
 */
export function responseCacheKey(
  tenant: string,
  endpoint: string,
  model: string,
  body: Record<string, unknown>,
): string {
  const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !IGNORED.has(k) && k !== "model"));
  const material = JSON.stringify([tenant, endpoint, model, canonical(rest)]);
  return `${tenant}:${createHash("sha256").update(material).digest("hex")}`;
}
