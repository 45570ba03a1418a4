/**
 * GCRA over one minute: a limit of L per minute emits one unit every 60000 / L ms and tolerates a
 * burst of one minute's allowance. State is one number, the theoretical arrival time (TAT).
 * Shared by the memory adapter; the Redis scripts implement the same arithmetic.
 */

export const WINDOW_MS = 60_000;

export interface GcraCheck {
  readonly ok: boolean;
  /** TAT after admitting `cost` (only meaningful when ok). */
  readonly tat: number;
  /** When a refused request would fit. */
  readonly retryAfterMs: number;
}

export function gcraCheck(tat: number, now: number, limit: number, cost: number): GcraCheck {
  const interval = WINDOW_MS / limit;
  const next = Math.max(tat, now) + cost * interval;
  const over = next - now - WINDOW_MS;
  return over <= 0
    ? { ok: true, tat: next, retryAfterMs: 0 }
    : { ok: false, tat, retryAfterMs: Math.ceil(over) };
}

export function gcraRemaining(tat: number, now: number, limit: number): number {
  const interval = WINDOW_MS / limit;
  return Math.max(0, Math.floor((WINDOW_MS - Math.max(0, tat - now)) / interval));
}

export function gcraResetMs(tat: number, now: number): number {
  return Math.max(0, Math.ceil(tat - now));
}
