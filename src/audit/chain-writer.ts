import { randomBytes } from "node:crypto";
import type { AuditRepository, ChainHead } from "../store/audit-port.js";
import { link, type AuditEntry, type AuditRecord } from "./chain.js";

const sameHead = (a: ChainHead | null, b: ChainHead | null): boolean =>
  a === null || b === null ? a === b : a.seq === b.seq && a.hash === b.hash;

/**
 * Links entries into this replica's chain and stores them, one batch per transaction. A batch whose
 * outcome is unknown (the commit's answer was lost) is settled by reading the chain's head back:
 * committed after all, not committed (the same linked records are tried again, never relinked), or
 * extended by another writer — two replicas configured with the same chain id — in which case this
 * writer forks to a new chain rather than ever interleaving two writers in one chain.
 */
export class ChainWriter {
  private head: ChainHead | null | undefined;
  private pending: AuditRecord[] | null = null;
  private chain: string;
  private readonly onFork: ((from: string, to: string) => void) | undefined;

  constructor(
    private readonly base: string,
    private readonly repository: Pick<AuditRepository, "head" | "append">,
    options: { readonly continueChain: boolean; readonly onFork?: (from: string, to: string) => void },
  ) {
    this.chain = base;
    this.onFork = options.onFork;
    // a generated id is new: no need to ask the store for its head
    this.head = options.continueChain ? undefined : null;
  }

  get id(): string {
    return this.chain;
  }

  /** Stores `entries` at the end of the chain; throws (and keeps them linked) when it could not. */
  async write(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (this.head === undefined) this.head = await this.repository.head(this.chain);
    const batch = (this.pending ??= link(this.chain, this.head, entries));
    try {
      await this.repository.append(batch);
    } catch (err) {
      await this.settleUnknown(err, batch);
    }
    const last = batch[batch.length - 1]!;
    this.head = { seq: last.seq, hash: last.hash };
    this.pending = null;
  }

  private async settleUnknown(err: unknown, batch: readonly AuditRecord[]): Promise<void> {
    const head = await this.repository.head(this.chain); // throws during an outage: tried again later
    const last = batch[batch.length - 1]!;
    if (head !== null && head.seq === last.seq && head.hash === last.hash) return; // it was committed
    if (sameHead(head, this.head ?? null)) throw err; // not committed: the same records next time
    const from = this.chain;
    this.chain = `${this.base.slice(0, 50)}-${randomBytes(4).toString("hex")}`;
    this.head = null;
    this.pending = null;
    this.onFork?.(from, this.chain);
    throw new Error(
      `audit chain ${from} is extended by another writer; this replica continues as ${this.chain}`,
    );
  }
}
