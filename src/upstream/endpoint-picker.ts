import { createHash } from "node:crypto";

export interface PickOptions {
  /** Endpoints already tried for this request (retries go elsewhere). */
  readonly exclude?: ReadonlySet<string>;
  /** Whether an endpoint may take traffic (health); all are used when none may (panic mode). */
  readonly available?: (url: string) => boolean;
  /** Prefix affinity: requests with the same key prefer the same endpoint, within a load bound. */
  readonly affinityKey?: string | null;
}

/** How many more in-flight requests than the least-loaded endpoint affinity may accept. */
const AFFINITY_SLACK = 4;

function score(key: string, url: string): number {
  return createHash("sha1").update(`${key}\u0000${url}`).digest().readUInt32BE(0);
}

/**
 * Chooses an engine endpoint among a model's upstreams: the available one with the fewest requests
 * in flight from this gateway (ties round-robin), or with an affinity key the highest-ranked by
 * rendezvous hashing unless it is busier than the least-loaded by more than a small slack.
 */
export class EndpointPicker {
  private readonly inFlight = new Map<string, number>();
  private turn = 0;

  /** An endpoint, or null when every one has been excluded. */
  pick(upstreams: readonly string[], options: PickOptions = {}): string | null {
    const open = upstreams.filter((u) => !options.exclude?.has(u));
    if (open.length === 0) return null;
    const healthy = options.available === undefined ? open : open.filter(options.available);
    const candidates = healthy.length > 0 ? healthy : open;
    if (candidates.length === 1) return candidates[0]!;
    let best = candidates[0]!;
    let bestLoad = Infinity;
    const start = this.turn++ % candidates.length;
    for (let i = 0; i < candidates.length; i++) {
      const url = candidates[(start + i) % candidates.length]!;
      const load = this.load(url);
      if (load < bestLoad) {
        best = url;
        bestLoad = load;
      }
    }
    const key = options.affinityKey;
    if (key === undefined || key === null) return best;
    const preferred = candidates.reduce((a, b) => (score(key, b) > score(key, a) ? b : a));
    return this.load(preferred) <= bestLoad + AFFINITY_SLACK ? preferred : best;
  }

  acquire(url: string): void {
    this.inFlight.set(url, (this.inFlight.get(url) ?? 0) + 1);
  }

  /**
   * An idle endpoint keeps its entry at 0 (endpoints are a small, configured set): a map emptied and
   * refilled on every request reallocates its table in the old generation each time (V8 shrinks
   * hash tables that become empty), which is garbage for the next full collection.
   */
  release(url: string): void {
    this.inFlight.set(url, Math.max(0, (this.inFlight.get(url) ?? 1) - 1));
  }

  load(url: string): number {
    return this.inFlight.get(url) ?? 0;
  }
}
