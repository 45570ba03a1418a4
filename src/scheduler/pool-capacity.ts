import type { Pool } from "./pools.js";
import type { EndpointRoom } from "./slot-store.js";

/**
 * The slots the gateway may fill on each endpoint of a pool: its max_num_seqs, less load the
 * engine reports that did not come through the gateway, and none on an unhealthy endpoint while
 * another is healthy.
 */
export class PoolCapacity {
  private readonly external = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly available: (url: string) => boolean = () => true,
  ) {}

  /** Records outside load on `url`; true when it went down (slots may have freed). */
  setExternalLoad(url: string, requests: number): boolean {
    if (!this.pool.endpoints.some((e) => e.url === url)) return false;
    const before = this.external.get(url) ?? 0;
    this.external.set(url, requests);
    return requests < before;
  }

  rooms(): EndpointRoom[] {
    const anyUp = this.pool.endpoints.some((e) => this.available(e.url));
    return this.pool.endpoints.map((e) => ({
      url: e.url,
      capacity:
        anyUp && !this.available(e.url) ? 0 : Math.max(0, e.capacity - (this.external.get(e.url) ?? 0)),
    }));
  }
}
