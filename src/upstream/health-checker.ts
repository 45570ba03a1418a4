import { request } from "undici";
import type { EndpointHealth } from "./endpoint-health.js";

/** Active health checks: GET <endpoint><path> every interval; 2xx is up, anything else down. */
export class HealthChecker {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly endpoints: readonly string[],
    private readonly health: EndpointHealth,
    private readonly options: { intervalMs: number; timeoutMs: number; path: string },
    private readonly onResult?: (endpoint: string, up: boolean) => void,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.timer !== null) return;
    this.timer = setInterval(() => void this.checkAll(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.endpoints.map((url) => this.check(url)));
  }

  private async check(url: string): Promise<void> {
    let up = false;
    try {
      const res = await request(url + this.options.path, {
        method: "GET",
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.body.dump();
      up = res.statusCode >= 200 && res.statusCode < 300;
    } catch {
      up = false;
    }
    this.health.checked(url, up);
    this.onResult?.(url, up);
  }
}
