/**
 * The engine's running batch: at most `capacity` requests run at once; the rest wait in a
 * FIFO queue (vLLM's `max_num_seqs` and its waiting queue). A waiting request can be
 * cancelled (client gone) and a running one released; both are idempotent.
 */
export interface SlotTicket {
  /** Leaves the queue, or frees the slot if running. Safe to call more than once. */
  release(): void;
}

interface Waiter {
  start: () => void;
}

export class SlotQueue {
  private runningCount = 0;
  private peak = 0;
  /** True while free() is starting waiters, so synchronous completions don't recurse. */
  private draining = false;
  /** Insertion-ordered: the first entry is the oldest waiter; deletion is O(1). */
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly capacity: number) {}

  get running(): number {
    return this.runningCount;
  }

  get waiting(): number {
    return this.waiters.size;
  }

  get maxRunning(): number {
    return this.peak;
  }

  resetPeak(): void {
    this.peak = this.runningCount;
  }

  /**
   * Asks for a slot; `start` runs (synchronously if a slot is free) once the request may run,
   * and receives the ticket so that it can release the slot even before `acquire` returns.
   */
  acquire(start: (ticket: SlotTicket) => void): SlotTicket {
    let state: "waiting" | "running" | "done" = "waiting";
    const waiter: Waiter = {
      start: () => {
        state = "running";
        this.occupy();
        start(ticket);
      },
    };
    const ticket: SlotTicket = {
      release: () => {
        if (state === "waiting") this.waiters.delete(waiter);
        else if (state === "running") this.free();
        state = "done";
      },
    };
    if (this.runningCount < this.capacity && this.waiters.size === 0) waiter.start();
    else this.waiters.add(waiter);
    return ticket;
  }

  /** Drops every waiter without starting it (used on shutdown). */
  clearWaiting(): void {
    this.waiters.clear();
  }

  private occupy(): void {
    this.runningCount++;
    if (this.runningCount > this.peak) this.peak = this.runningCount;
  }

  private free(): void {
    this.runningCount--;
    if (this.draining) return; // the outer drain loop picks up the freed slot
    this.draining = true;
    try {
      while (this.runningCount < this.capacity && this.waiters.size > 0) {
        const next = this.waiters.values().next().value;
        if (next === undefined) break;
        this.waiters.delete(next);
        next.start();
      }
    } finally {
      this.draining = false;
    }
  }
}
