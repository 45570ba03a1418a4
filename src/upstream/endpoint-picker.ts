/**
 * Chooses an engine endpoint among a model's upstreams: the one with the fewest requests in flight
 * from this gateway (ties broken round-robin).
 */
export class EndpointPicker {
  private readonly inFlight = new Map<string, number>();
  private turn = 0;

  pick(upstreams: readonly string[]): string {
    if (upstreams.length === 1) return upstreams[0]!;
    let best = upstreams[0]!;
    let bestLoad = Infinity;
    const start = this.turn++ % upstreams.length;
    for (let i = 0; i < upstreams.length; i++) {
      const url = upstreams[(start + i) % upstreams.length]!;
      const load = this.inFlight.get(url) ?? 0;
      if (load < bestLoad) {
        best = url;
        bestLoad = load;
      }
    }
    return best;
  }

  acquire(url: string): void {
    this.inFlight.set(url, (this.inFlight.get(url) ?? 0) + 1);
  }

  release(url: string): void {
    const n = (this.inFlight.get(url) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(url);
    else this.inFlight.set(url, n);
  }

  load(url: string): number {
    return this.inFlight.get(url) ?? 0;
  }
}
