/**
 * The pure decisions of the fair queue, shared by the memory adapter and mirrored by the Redis
 * scripts (the contract suite checks that both agree):
 *
 * - Priority bands: 0 = high, 1 = medium, 2 = low. The highest band with waiters goes next, except
 *   that a band which waited through `limit` consecutive dispatches of higher bands is owed one
 *   (the lowest owed band first), so no band starves.
 * - Within a band, virtual token counters (VTC): the waiting tenant with the lowest counter goes
 *   next (ties: the smaller tenant id). A dispatch adds (input + 2 × output) ÷ weight to the
 *   tenant's counter. A tenant that starts waiting is lifted to the lowest counter of its band's
 *   waiting tenants (or, if none wait, the counter of the last tenant that stopped waiting) less
 *   the cost of its own head request: its first request goes next, but idle time (or time with
 *   requests in flight and none waiting) banks no more credit than that one request.
 */
export type Band = 0 | 1 | 2;

export const BANDS: readonly Band[] = [0, 1, 2];

export function bandOf(priority: "high" | "medium" | "low"): Band {
  return priority === "high" ? 0 : priority === "medium" ? 1 : 2;
}

/** The band served next among the waiting ones, or null when nobody waits. */
export function chooseBand(waiting: readonly boolean[], skip: readonly number[], limit: number): Band | null {
  for (let b = 2; b >= 0; b--) if (waiting[b] === true && (skip[b] ?? 0) >= limit) return b as Band;
  for (let b = 0; b <= 2; b++) if (waiting[b] === true) return b as Band;
  return null;
}

/** Updates the skip counters after a dispatch from band `served` (`waiting`: bands with waiters). */
export function afterDispatch(skip: number[], served: Band, waiting: readonly boolean[]): void {
  for (let b = served + 1; b <= 2; b++) skip[b] = waiting[b] === true ? (skip[b] ?? 0) + 1 : 0;
  skip[served] = 0;
}

/** The tenant with the lowest counter (ties: the smaller id), or undefined for none. */
export function lowestCounter(
  tenants: Iterable<string>,
  counter: (tenant: string) => number,
): string | undefined {
  let best: string | undefined;
  let bestCounter = 0;
  for (const t of tenants) {
    const c = counter(t);
    if (best === undefined || c < bestCounter || (c === bestCounter && t < best)) {
      best = t;
      bestCounter = c;
    }
  }
  return best;
}

/** The virtual cost of a request, before dividing by the tenant's weight. */
export function serviceTokens(input: number, output: number): number {
  return input + 2 * output;
}

/**
 * The endpoint a grant goes to (index), given each endpoint's free slots: the preferred one (prefix
 * affinity) if it has room and is not avoided (already tried), else the one with the most room
 * among those not avoided, else among all; ties go to the first. -1 when none has room.
 */
export function chooseEndpoint(
  free: readonly number[],
  urls: readonly string[],
  prefer: string,
  avoid: readonly string[],
): number {
  const p = prefer === "" ? -1 : urls.indexOf(prefer);
  if (p >= 0 && free[p]! > 0 && !avoid.includes(prefer)) return p;
  let best = -1;
  for (const pass of [true, false]) {
    free.forEach((f, i) => {
      if (f > 0 && (!pass || !avoid.includes(urls[i]!)) && (best < 0 || f > free[best]!)) best = i;
    });
    if (best >= 0) return best;
  }
  return -1;
}

/**
 * Whether `tenant` holds fewer of the pool's slots than its weighted share of `capacity` among the
 * active tenants (those with slots or waiting): the anticipation rule for a tenant whose counter
 * is not the lowest only because its requests are charged when dispatched.
 */
export function belowShare(
  tenant: string,
  slots: ReadonlyMap<string, number>,
  active: Iterable<string>,
  weightOf: (tenant: string) => number,
  capacity: number,
): boolean {
  let total = 0;
  for (const t of new Set([...active, tenant])) total += weightOf(t);
  return (slots.get(tenant) ?? 0) < (capacity * weightOf(tenant)) / total;
}
