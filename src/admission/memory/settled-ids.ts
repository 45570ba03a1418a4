/**
 * The request ids settled within the last `ttlMs`, so that a repeated settlement is charged once.
 * They are kept in generations of ttlMs ÷ `generations` each: a generation is dropped whole once its
 * newest id is older than the TTL, and no table ever holds more than one generation. One map of
 * every id in the window would be rehashed whole each time it doubles — at 1,000 requests/s past
 * 131,072 ids after two minutes, a copy that held the event loop for tens of milliseconds.
 */
export class SettledIds {
  private readonly live: { readonly from: number; readonly ids: Set<string> }[] = [];
  private readonly span: number;

  constructor(
    private readonly ttlMs: number,
    generations = 24,
  ) {
    this.span = Math.max(1, Math.ceil(ttlMs / generations));
  }

  /** Records `id` as settled at `now`; true if it already was within the window. */
  add(id: string, now: number): boolean {
    // the oldest generation's newest id may be span ms younger than the generation's start
    while (this.live.length > 0 && this.live[0]!.from + this.span + this.ttlMs <= now) this.live.shift();
    for (const g of this.live) if (g.ids.has(id)) return true;
    let newest = this.live[this.live.length - 1];
    if (newest === undefined || now >= newest.from + this.span) {
      newest = { from: now, ids: new Set() };
      this.live.push(newest);
    }
    newest.ids.add(id);
    return false;
  }

  /** Ids held (tests, diagnostics). */
  get size(): number {
    return this.live.reduce((n, g) => n + g.ids.size, 0);
  }
}
