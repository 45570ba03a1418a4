import type { Band } from "./policy.js";
import type { Candidate } from "./slot-store.js";

/** A request waiting in this replica's queue of a pool. */
export interface Waiter {
  readonly id: string;
  readonly tenant: string;
  readonly band: Band;
  readonly weight: number;
  /** Virtual tokens: input + 2 × output estimate. */
  readonly cost: number;
  /** When it started waiting (clock ms). */
  readonly since: number;
  /** Preferred endpoint URL (prefix affinity) or "". */
  readonly prefer: string;
  /** Endpoints this request already tried. */
  readonly avoid: readonly string[];
}

/** A waiting request as a slot-store candidate (`more`: others of its tenant wait behind it). */
export function candidateOf(w: Waiter, more: boolean): Candidate {
  return {
    tenant: w.tenant,
    band: w.band,
    weight: w.weight,
    cost: w.cost,
    lease: w.id,
    more,
    prefer: w.prefer,
    avoid: w.avoid,
  };
}

/** One pool's local queue: a FIFO per tenant; the heads are what the slot store chooses from. */
export class PoolQueue<W extends Waiter = Waiter> {
  private readonly tenants = new Map<string, Set<W>>();
  private readonly byId = new Map<string, W>();

  get size(): number {
    return this.byId.size;
  }

  queued(tenant: string): number {
    return this.tenants.get(tenant)?.size ?? 0;
  }

  get(id: string): W | undefined {
    return this.byId.get(id);
  }

  add(w: W): void {
    let fifo = this.tenants.get(w.tenant);
    if (fifo === undefined) this.tenants.set(w.tenant, (fifo = new Set()));
    fifo.add(w);
    this.byId.set(w.id, w);
  }

  /** Takes a waiter out; "emptied" when its tenant has nobody left here, null if it was not queued. */
  remove(w: W): "emptied" | "left" | null {
    if (this.byId.get(w.id) !== w) return null;
    this.byId.delete(w.id);
    const fifo = this.tenants.get(w.tenant)!;
    fifo.delete(w);
    if (fifo.size > 0) return "left";
    this.tenants.delete(w.tenant);
    return "emptied";
  }

  /** The head request of every tenant waiting here, as slot-store candidates. */
  candidates(): Candidate[] {
    const out: Candidate[] = [];
    for (const fifo of this.tenants.values()) {
      const head = fifo.values().next().value;
      if (head === undefined) continue;
      out.push(candidateOf(head, fifo.size > 1));
    }
    return out;
  }

  /** Every waiter, oldest tenant first (for draining). */
  all(): W[] {
    return [...this.byId.values()];
  }
}
