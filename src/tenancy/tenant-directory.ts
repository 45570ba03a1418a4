import type { TenantCustomization } from "../customize/tenant-customization.js";
import type { StoredTenant, TenantRepository } from "../store/tenant-port.js";
import type { DatedPrice } from "../usage/price-book.js";
import type { TenantSource } from "./catalog.js";
import type { TenantPolicy } from "./policy.js";
import type { TenantSnapshot } from "./tenant-snapshot.js";

export interface TenantDirectoryOptions {
  readonly repository: TenantRepository;
  /** Compiles a stored tenant; throws if its spec is unusable (the previous snapshot is kept). */
  readonly build: (tenant: StoredTenant) => TenantSnapshot;
  /** How often the store's control revision is read (≤ 500 ms keeps changes within a second). */
  readonly pollMs?: number;
  /** After every refresh that saw a new revision (tenants or keys changed): drop cached key lookups. */
  readonly onRevision?: () => void;
  /** Tenants whose snapshot changed or went away. */
  readonly onChange?: (changed: readonly TenantSnapshot[], removed: readonly string[]) => void;
  readonly onError?: (err: unknown, tenantId?: string) => void;
}

/**
 * The current snapshot of every tenant, read from the store. Every replica polls the store's control
 * revision (one indexed single-row read) every `pollMs`; when it moved, only the tenants changed
 * since are read and recompiled, so a create, update, suspension or delete on any replica is in
 * effect on all of them within about `pollMs` plus a query. If the store is unreachable the last
 * snapshots stay in force.
 */
export class TenantDirectory implements TenantSource {
  private snapshots = new Map<string, TenantSnapshot>();
  private seen = -1;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<boolean> | null = null;

  constructor(private readonly options: TenantDirectoryOptions) {}

  get(id: string): TenantPolicy | undefined {
    return this.snapshots.get(id)?.policy;
  }

  ids(): string[] {
    return [...this.snapshots.keys()];
  }

  snapshot(id: string): TenantSnapshot | undefined {
    return this.snapshots.get(id);
  }

  /** The customize stage's view (same lookup as `deps.customizations.get`). */
  readonly customizations = {
    get: (id: string): TenantCustomization | undefined => this.snapshots.get(id)?.customization,
  };

  /** The price book's view of negotiated prices. */
  readonly negotiated = {
    get: (id: string): ReadonlyMap<string, readonly DatedPrice[]> | undefined =>
      this.snapshots.get(id)?.prices,
  };

  weightOf = (id: string): number => this.snapshots.get(id)?.weight ?? 1;

  /** The revision the snapshots reflect (-1 before the first load). */
  get revision(): number {
    return this.seen;
  }

  /** Reads what changed since the last refresh (everything the first time); true if the revision moved. */
  refresh(): Promise<boolean> {
    // One refresh at a time: a caller arriving mid-refresh shares it.
    this.running ??= this.doRefresh().finally(() => (this.running = null));
    return this.running;
  }

  private async doRefresh(): Promise<boolean> {
    const o = this.options;
    const revision = await o.repository.revision();
    if (revision === this.seen) return false;
    const rows = await o.repository.changes(this.seen);
    const changed: TenantSnapshot[] = [];
    const removed: string[] = [];
    let seen = revision;
    for (const row of rows) {
      seen = Math.max(seen, row.revision);
      if (row.deletedAt !== null) {
        if (this.snapshots.delete(row.id)) removed.push(row.id);
        continue;
      }
      try {
        const snap = o.build(row);
        this.snapshots.set(row.id, snap);
        changed.push(snap);
      } catch (err) {
        o.onError?.(err, row.id);
      }
    }
    this.seen = seen;
    o.onRevision?.();
    if (changed.length > 0 || removed.length > 0) o.onChange?.(changed, removed);
    return true;
  }

  /** Polls the store every `pollMs` until `stop()`. */
  start(): void {
    const ms = this.options.pollMs ?? 250;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        this.refresh()
          .catch((err: unknown) => this.options.onError?.(err))
          .finally(() => {
            if (this.timer !== null) tick();
          });
      }, ms);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = null;
    if (t !== null) clearTimeout(t);
    await this.running?.catch(() => undefined);
  }
}
