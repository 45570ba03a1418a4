import type { AuditRecord } from "../../audit/chain.js";
import type { StoredRecords } from "../../usage/ledger-writer.js";
import type { ChainHead } from "../audit-port.js";
import type { ManagedKeyRepository } from "../tenant-port.js";

/**
 * Messages between the gateway's event loop and its store-writes thread (see thread.ts). Every call
 * carries an id, and the thread answers each one once, in order.
 */

type KeyUse = Parameters<ManagedKeyRepository["touch"]>[0][number];

/** What the thread opens: its own connection(s) to the gateway's store. */
export interface ThreadSettings {
  readonly url: string;
  /** PostgreSQL connections of the thread's pool. */
  readonly poolSize: number;
  /** The chain that ledger batches extend with their requests' audit records (null: none). */
  readonly inferenceChain: string | null;
}

export type Call =
  | { readonly id: number; readonly op: "ledger.appendRecords"; readonly lines: readonly string[] }
  | { readonly id: number; readonly op: "keys.touch"; readonly uses: readonly KeyUse[] }
  | { readonly id: number; readonly op: "audit.head"; readonly chain: string }
  | { readonly id: number; readonly op: "audit.append"; readonly records: readonly AuditRecord[] }
  | { readonly id: number; readonly op: "ping" }
  | { readonly id: number; readonly op: "close" };

/** What each call resolves to. */
export interface Results {
  "ledger.appendRecords": StoredRecords;
  "keys.touch": undefined;
  "audit.head": ChainHead | null;
  "audit.append": undefined;
  ping: undefined;
  close: undefined;
}

/** An error as it crosses threads: its message and, for a database error, its code. */
export interface ThreadError {
  readonly message: string;
  readonly code?: string;
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: ThreadError };
