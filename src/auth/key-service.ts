import { randomUUID } from "node:crypto";
import type { ApiKeyRecord, KeyRepository } from "../store/port.js";
import { generateApiKey, hashApiKey, keyDisplayPrefix } from "./api-key-format.js";

export interface CreatedKey {
  /** The secret: shown once, never stored. */
  readonly key: string;
  readonly record: ApiKeyRecord;
}

export interface KeyOptions {
  name?: string | null;
  expiresAt?: Date | null;
  now?: Date;
  rateLimits?: ApiKeyRecord["rateLimits"];
  models?: ApiKeyRecord["models"];
  scopes?: ApiKeyRecord["scopes"];
}

export const newKeyId = (): string => `key_${randomUUID().replaceAll("-", "").slice(0, 20)}`;

/** Creates a Tollgate-format key for a tenant and stores its hash. */
export async function createApiKey(
  repository: KeyRepository,
  tenantId: string,
  options: KeyOptions = {},
): Promise<CreatedKey> {
  const key = generateApiKey();
  const record: ApiKeyRecord = {
    id: newKeyId(),
    tenantId,
    name: options.name ?? null,
    hash: hashApiKey(key),
    displayPrefix: keyDisplayPrefix(key),
    createdAt: options.now ?? new Date(),
    expiresAt: options.expiresAt ?? null,
    revokedAt: null,
    rateLimits: options.rateLimits ?? null,
    models: options.models ?? null,
    scopes: options.scopes ?? null,
    lastUsedAt: null,
    managedBy: "api",
  };
  await repository.insert(record);
  return { key, record };
}
