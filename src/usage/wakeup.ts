/**
 * A sleep that `notify()` cuts short: the ledger's writer waits on it for new journal records. A
 * notification that arrives while nobody waits is kept, so the next wait returns at once (no lost
 * wake-ups while the writer was busy reading or writing).
 */
export class Wakeup {
  private wake: (() => void) | null = null;
  private signalled = false;

  notify(): void {
    const wake = this.wake;
    this.wake = null;
    if (wake === null) this.signalled = true;
    else wake();
  }

  /** Resolves after `ms`, or at the next notify() (at once if one came since the last wait). */
  wait(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake?.();
      this.wake = done;
    });
  }
}
