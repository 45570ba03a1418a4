import type { AuditQuery } from "../audit/audit-log.js";
import type { AuditRecord } from "../audit/chain.js";

/** The last record of a chain: where the next one links. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** Where a scan resumes: after this record in (chain, seq) order. */
export interface ChainPosition {
  readonly chain: string;
  readonly seq: number;
}

export interface AuditScan {
  /** Only this tenant's records (a tenant-scoped read); all records when absent. */
  readonly tenant?: string;
  readonly chain?: string;
  /** Inclusive start, exclusive end (record time). */
  readonly from?: Date;
  readonly to?: Date;
  readonly after?: ChainPosition;
}

/**
 * The audit trail in the store: append-only (the store refuses updates and deletes), read by
 * tenant-scoped queries or, for verification and export, across tenants.
 */
export interface AuditRepository {
  /** The last stored record of `chain`, null if it has none. */
  head(chain: string): Promise<ChainHead | null>;
  /** Stores linked records in one transaction; throws if any (chain, seq) exists already. */
  append(records: readonly AuditRecord[]): Promise<void>;
  /** Newest first (time, then chain and seq); `tenant` scopes the read to one tenant. */
  query(q: AuditQuery): Promise<AuditRecord[]>;
  /** Records in (chain, seq) order, at most `limit`: verification and export page through this. */
  scan(q: AuditScan, limit: number): Promise<AuditRecord[]>;
}
