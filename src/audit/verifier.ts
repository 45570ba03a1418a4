import type { ChainHead } from "../store/audit-port.js";
import { GENESIS, recordHash, type AuditRecord } from "./chain.js";

export type VerifyProblemKind =
  "edited" | "missing" | "reordered" | "broken_link" | "truncated" | "rewritten";

export interface VerifyProblem {
  readonly chain: string;
  readonly seq: number;
  readonly problem: VerifyProblemKind;
  readonly detail: string;
}

interface ChainState {
  expectedSeq: number;
  prevHash: string;
  /** The previous record was already reported: a broken link right after it says nothing new. */
  afterProblem: boolean;
  records: number;
}

/** How far a moved record is looked for (a record reordered by rewriting its seq). */
const MOVE_WINDOW = 32;
/** Past this many failing records, no more moves are looked for (each costs up to 64 hashes). */
const MOVE_SEARCHES = 10_000;

/**
 * Checks chains record by record, in (chain, seq) order as stored, without holding them in memory:
 * every record's hash, its link to the one before, and the sequence (a gap is a removed record; a
 * record whose content hashes at another position was moved). `anchors` are heads noted earlier
 * (a previous `verify --json`): a chain that no longer reaches its anchor was truncated, one whose
 * record there has another hash was rewritten — the two changes a chain cannot show on its own.
 */
export class ChainVerifier {
  readonly problems: VerifyProblem[] = [];
  private readonly chains = new Map<string, ChainState>();
  private readonly heads = new Map<string, ChainHead>();
  private readonly anchorsSeen = new Set<string>();
  records = 0;
  private moveSearches = 0;

  constructor(private readonly anchors: ReadonlyMap<string, ChainHead> = new Map()) {}

  feed(r: AuditRecord): void {
    this.records++;
    let s = this.chains.get(r.chain);
    if (s === undefined) {
      s = { expectedSeq: 1, prevHash: GENESIS, afterProblem: false, records: 0 };
      this.chains.set(r.chain, s);
    }
    s.records++;
    let problem = false;
    const report = (seq: number, kind: VerifyProblemKind, detail: string) => {
      this.problems.push({ chain: r.chain, seq, problem: kind, detail });
      problem = true;
    };
    if (r.seq < s.expectedSeq)
      report(r.seq, "reordered", `record ${r.seq} comes after record ${s.expectedSeq - 1}`);
    else if (r.seq > s.expectedSeq) {
      const n = r.seq - s.expectedSeq;
      report(
        s.expectedSeq,
        "missing",
        n === 1 ? `record ${s.expectedSeq} is missing` : `records ${s.expectedSeq}–${r.seq - 1} are missing`,
      );
    }
    const { hash, ...rest } = r;
    if (recordHash(rest) !== hash) {
      const from = this.moveSearches++ < MOVE_SEARCHES ? movedFrom(r) : undefined;
      if (from !== undefined) report(r.seq, "reordered", `record ${from} was moved to position ${r.seq}`);
      else report(r.seq, "edited", `record ${r.seq}'s content does not match its hash`);
    } else if (r.prevHash !== s.prevHash && !problem && !s.afterProblem) {
      report(
        r.seq,
        "broken_link",
        `record ${r.seq} does not link to the record before it (edited, replaced or removed)`,
      );
    }
    const anchor = this.anchors.get(r.chain);
    if (anchor !== undefined && anchor.seq === r.seq) {
      this.anchorsSeen.add(r.chain);
      if (anchor.hash !== hash) report(r.seq, "rewritten", `record ${r.seq} differs from the anchored head`);
    }
    s.expectedSeq = Math.max(s.expectedSeq, r.seq + 1);
    s.prevHash = hash;
    s.afterProblem = problem;
    this.heads.set(r.chain, { seq: r.seq, hash });
  }

  /** Ends the check: anchored chains that never reached their anchor are reported. */
  finish(): {
    problems: readonly VerifyProblem[];
    heads: ReadonlyMap<string, ChainHead & { records: number }>;
  } {
    for (const [chain, anchor] of this.anchors) {
      if (this.anchorsSeen.has(chain)) continue;
      const head = this.heads.get(chain);
      this.problems.push({
        chain,
        seq: anchor.seq,
        problem: "truncated",
        detail:
          head === undefined
            ? `the chain is gone (anchored at record ${anchor.seq})`
            : `the chain ends at record ${head.seq}, before its anchored record ${anchor.seq}`,
      });
    }
    const heads = new Map(
      [...this.heads].map(([c, h]) => [c, { ...h, records: this.chains.get(c)!.records }]),
    );
    return { problems: this.problems, heads };
  }
}

/** The position a record's content hashes at, if it is intact but stored at another one. */
function movedFrom(r: AuditRecord): number | undefined {
  const { hash, ...rest } = r;
  for (let d = 1; d <= MOVE_WINDOW; d++) {
    for (const seq of [r.seq - d, r.seq + d]) {
      if (seq >= 1 && recordHash({ ...rest, seq }) === hash) return seq;
    }
  }
  return undefined;
}
