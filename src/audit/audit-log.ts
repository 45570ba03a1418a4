import type { AuditEntry, AuditRecord } from "./chain.js";

/**
 * The audit trail as the rest of the gateway sees it: append entries (admin actions, inference
 * calls); the implementation links them into this replica's hash chain and stores them in batches.
 * `record` never throws and never blocks a request.
 */
export interface AuditLog {
  record(entry: AuditEntry): void;
  /** Resolves once everything recorded so far is stored. */
  flush(): Promise<void>;
  /**
   * Resolves once everything recorded so far is in this replica's local journal (one group commit,
   * a few milliseconds): an admin route awaits it before answering, so that no action it reported
   * done can lose its record in a crash. Never rejects.
   */
  durable?(): Promise<void>;
}

export interface AuditQuery {
  readonly tenant?: string;
  readonly actor?: string;
  readonly action?: string;
  /** Inclusive start, exclusive end. */
  readonly from?: Date;
  readonly to?: Date;
  readonly limit?: number;
  /** Paging: only records older than this one (results are newest first). */
  readonly before?: AuditCursor;
}

/** A record's place in the newest-first order of queries. */
export interface AuditCursor {
  readonly time: string;
  readonly chain: string;
  readonly seq: number;
}

export interface AuditReader {
  query(q: AuditQuery): Promise<AuditRecord[]>;
}
