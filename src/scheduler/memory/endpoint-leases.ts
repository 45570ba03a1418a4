import type { LeaseEntry } from "./pool-state.js";

/**
 * One endpoint's live leases (and holds) in the memory slot store. Expired entries are dropped the
 * first time the set is read at or after the earliest expiry it may hold, so reading it costs
 * nothing per lease on the hot path (renewals only push expiries later: the bound stays safe).
 */
export class EndpointLeases {
  private readonly entries = new Map<string, LeaseEntry>();
  /** No entry expires before this (a lower bound). */
  private earliest = Infinity;

  /** The live entries at `now` (the map itself: callers may delete from it). */
  live(now: number): Map<string, LeaseEntry> {
    if (now >= this.earliest) {
      this.earliest = Infinity;
      for (const [id, l] of this.entries) {
        if (l.expiry <= now) this.entries.delete(id);
        else if (l.expiry < this.earliest) this.earliest = l.expiry;
      }
    }
    return this.entries;
  }

  add(id: string, entry: LeaseEntry): void {
    this.entries.set(id, entry);
    if (entry.expiry < this.earliest) this.earliest = entry.expiry;
  }
}
