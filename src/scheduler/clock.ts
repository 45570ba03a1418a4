/** Time for the scheduler: injected, so tests drive it with a fake clock and no real waiting. */
export interface Clock {
  /** Milliseconds since the epoch (replicas compare lease expiries, so it is wall-clock time). */
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels the call. Never keeps the process alive. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
