import { hash } from "node:crypto";
import { canonicalJson } from "../canonical-json.js";

/**
 * The audit trail is append-only and hash-chained: each record carries the hash of the previous
 * record of its chain and its own hash over its content and that link. Editing, removing or
 * reordering any record breaks the chain from that point, which `verifyChain` reports.
 * One chain per writer (gateway replica), so replicas never contend for a global order.
 */

export interface AuditEntry {
  readonly time: string;
  /** Who: "key:<id>", "admin:<id>", "jwt:<sub>", "system". */
  readonly actor: string;
  /** What: "tenant.create", "key.revoke", "inference", … */
  readonly action: string;
  readonly tenant: string | null;
  readonly target: string | null;
  readonly sourceIp: string | null;
  /** Action details: before/after for admin changes; tokens, cost, status for inference calls. */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface AuditRecord extends AuditEntry {
  readonly chain: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export const GENESIS = "0".repeat(64);

export function recordHash(r: Omit<AuditRecord, "hash">): string {
  const { chain, seq, prevHash, time, actor, action, tenant, target, sourceIp, data } = r;
  // one-shot: no Hash object per record (the audit thread hashes one per inference call)
  return hash(
    "sha256",
    canonicalJson({ chain, seq, prevHash, time, actor, action, tenant, target, sourceIp, data }),
    "hex",
  );
}

/** Appends entries to a chain whose last record is `last` (or a new chain). */
export function link(
  chain: string,
  last: { seq: number; hash: string } | null,
  entries: readonly AuditEntry[],
): AuditRecord[] {
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS;
  return entries.map((e) => {
    seq++;
    const partial = { ...e, chain, seq, prevHash };
    const hash = recordHash(partial);
    prevHash = hash;
    return { ...partial, hash };
  });
}

export interface ChainProblem {
  readonly chain: string;
  readonly seq: number;
  readonly problem: "edited" | "missing" | "reordered" | "broken_link";
}

/** Checks one chain's records (in the order stored). Empty when intact. */
export function verifyChain(records: readonly AuditRecord[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let expectedSeq = 1;
  let prevHash = GENESIS;
  for (const r of records) {
    if (r.seq < expectedSeq) problems.push({ chain: r.chain, seq: r.seq, problem: "reordered" });
    else if (r.seq > expectedSeq) problems.push({ chain: r.chain, seq: expectedSeq, problem: "missing" });
    const { hash, ...rest } = r;
    if (recordHash(rest) !== hash) problems.push({ chain: r.chain, seq: r.seq, problem: "edited" });
    else if (r.prevHash !== prevHash) problems.push({ chain: r.chain, seq: r.seq, problem: "broken_link" });
    expectedSeq = Math.max(expectedSeq, r.seq + 1);
    prevHash = hash;
  }
  return problems;
}
