import type { ManagedKeyRepository } from "../store/tenant-port.js";

interface Use {
  readonly tenantId: string;
  readonly id: string;
  readonly at: Date;
}

export interface LastUsedOptions {
  /** How often pending uses are written (one small transaction per tenant). */
  readonly flushMs?: number;
  /** A key's use is written at most once per this interval: "last used" is exact to about it. */
  readonly resolutionMs?: number;
  readonly now?: () => number;
}

/**
 * Records when stored API keys were last used, off the hot path: uses are noted in memory and
 * written in the background, at most once per key per `resolutionMs`. Best effort: a failed write
 * is dropped (the next use notes it again).
 */
export class LastUsedRecorder {
  private pending = new Map<string, Use>();
  private readonly written = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly resolution: number;

  constructor(
    private readonly keys: Pick<ManagedKeyRepository, "touch">,
    private readonly options: LastUsedOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.resolution = options.resolutionMs ?? 60_000;
  }

  note(key: { readonly id: string; readonly tenantId: string }): void {
    const now = this.now();
    if (now - (this.written.get(key.id) ?? -Infinity) < this.resolution || this.pending.has(key.id)) return;
    this.pending.set(key.id, { tenantId: key.tenantId, id: key.id, at: new Date(now) });
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const uses = [...this.pending.values()];
    this.pending = new Map();
    const now = this.now();
    for (const [id, at] of this.written) if (now - at >= this.resolution) this.written.delete(id);
    for (const u of uses) this.written.set(u.id, u.at.getTime());
    await this.keys.touch(uses).catch(() => undefined);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs ?? 2000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
