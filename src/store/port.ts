import type { KeyRateLimits } from "../auth/principal.js";
import type { Price } from "../usage/pricing.js";
import type { UsageEvent } from "../usage/usage-event.js";
import type { LedgerRecordsWriter } from "../usage/ledger-writer.js";
import type { AdminKeyRepository, ManagedKeyRepository, TenantRepository } from "./tenant-port.js";
import type { AuditRecord } from "../audit/chain.js";
import type { AuditRepository, ChainHead } from "./audit-port.js";
import type { SecretRepository } from "./secret-port.js";

/** The store port: tenants' durable data. Adapters: sqlite/ (embedded) and postgres/ (cluster). */

export interface ApiKeyRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string | null;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  readonly hash: string;
  /** First characters of the key, for display. */
  readonly displayPrefix: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  /** A future time is a rotation's grace period: the key works until then. */
  readonly revokedAt: Date | null;
  /** The key's own limits, within its tenant's. */
  readonly rateLimits?: KeyRateLimits | null;
  /** The key's subset of its tenant's models; null: all of them. */
  readonly models?: ReadonlySet<string> | null;
  /** What the key may call (`inference`, `usage`); null: everything. */
  readonly scopes?: ReadonlySet<string> | null;
  readonly lastUsedAt?: Date | null;
  /** "config": declared by hash in config-as-code and kept in sync by apply. */
  readonly managedBy?: "config" | "api";
}

export interface KeyRepository {
  insert(record: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listByTenant(tenantId: string): Promise<ApiKeyRecord[]>;
}

/** What usage can be grouped by. `hour` is the ISO start of a UTC hour, `day` a UTC date (YYYY-MM-DD). */
export type UsageDimension = "model" | "key" | "user" | "feature" | "hour" | "day";

export interface UsageQuery {
  readonly tenantId: string;
  /** Inclusive start and exclusive end. */
  readonly from: Date;
  readonly to: Date;
  readonly by: readonly UsageDimension[];
  /**
   * Default: the hourly rollups when `by` only has model, hour and day and both bounds are whole
   * UTC hours (fast at any volume); otherwise the events themselves.
   */
  readonly source?: "rollups" | "events";
}

export interface UsageTotals {
  /** The group's value for each dimension asked (null: no model, key, user or feature). */
  readonly group: Readonly<Partial<Record<UsageDimension, string | null>>>;
  readonly requests: number;
  /** Requests that ended with a status >= 400, refusals included. */
  readonly failed: number;
  /** Prompt tokens, cached ones included. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly costMicros: number;
}

/** Usage of one model at one set of unit prices: an invoice line. */
export interface PricedTotals extends UsageTotals {
  readonly model: string;
  readonly price: Price;
}

/**
 * The usage ledger: one row per request (idempotent on its id) and hourly rollups kept in the same
 * transaction. Every read is scoped to one tenant (PostgreSQL enforces it with row-level security).
 */
export interface LedgerRepository {
  /**
   * Stores the events not stored yet and adds exactly those to the rollups; returns how many were new.
   * With `audit`, the audit records of exactly those events are stored in the same transaction.
   */
  append(events: readonly UsageEvent[], audit?: LedgerAudit): Promise<number>;
  totals(query: UsageQuery): Promise<UsageTotals[]>;
  /** A tenant's usage in [from, to) per model and unit prices, from the rollups (ordered by model). */
  priced(tenantId: string, from: Date, to: Date): Promise<PricedTotals[]>;
  /** A tenant's stored events in [from, to), oldest first. */
  events(tenantId: string, from: Date, to: Date, limit?: number): Promise<UsageEvent[]>;
}

/**
 * The audit records of the requests a ledger batch stores: every inference call is audited, once,
 * atomically with its usage event (see audit/inference-audit.ts).
 */
export interface LedgerAudit {
  /** The chain the records extend. */
  readonly chain: string;
  /** Records for `stored` (the batch's events that were not stored before), linked after `head`. */
  records(head: ChainHead | null, stored: readonly UsageEvent[]): readonly AuditRecord[];
}

export interface MigrateOptions {
  /**
   * PostgreSQL, when migrating as the tables' owner: the runtime role (a non-owner) to grant what it
   * needs (rows of the tenant-scoped tables, under row-level security).
   */
  readonly appRole?: string;
}

export interface Store {
  readonly keys: ManagedKeyRepository;
  readonly tenants: TenantRepository;
  readonly adminKeys: AdminKeyRepository;
  readonly ledger: LedgerRepository;
  /** The audit trail: append-only, hash-chained (audit/). */
  readonly audit: AuditRepository;
  /** Tenants' provider secrets, sealed (secrets/). */
  readonly secrets: SecretRepository;
  /** Throws if the database cannot be reached. */
  ping(): Promise<void>;
  /** Applies pending migrations; idempotent. */
  migrate(options?: MigrateOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store writes of the batched writers (usage ledger, audit trail, keys' last use), apart from the
 * rest of the store so that they can run off the event loop: worker/store-writes.ts.
 */
export interface StoreWrites {
  /** The usage ledger's batches, as journal records (decoded where they are written). */
  readonly ledger: LedgerRecordsWriter;
  /** Keys' last use, written in batches (auth/last-used.ts). */
  readonly keys: Pick<ManagedKeyRepository, "touch">;
  readonly audit: Pick<AuditRepository, "head" | "append">;
  /** Throws if the database cannot be reached (through the writers' own connection). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
