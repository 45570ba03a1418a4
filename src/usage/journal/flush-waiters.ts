/**
 * Callers waiting until a counter (records stored) reaches their target, each with a timeout: the
 * usage ledger's and the audit trail's `flush`.
 */
export class FlushWaiters {
  private readonly waiting: { target: number; done: () => void }[] = [];

  get pending(): boolean {
    return this.waiting.length > 0;
  }

  /** Resolves once `settle` is called with at least `target`; rejects with `timeoutError()` after `timeoutMs`. */
  wait(target: number, timeoutMs: number, timeoutError: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        target,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(timeoutError());
      }, timeoutMs);
      this.waiting.push(entry);
    });
  }

  settle(reached: number): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i]!;
      if (reached >= w.target) {
        this.waiting.splice(i, 1);
        w.done();
      }
    }
  }
}
