/**
 * The Redis adapter of the slot-store port, shared by any number of gateway replicas. Every
 * operation is one atomic Lua script (scripts.ts) on a single-node Redis. Key layout:
 *
 *   <prefix>sched:{<pool>}:vtc     HASH   tenant → virtual token counter
 *   <prefix>sched:{<pool>}:wait    ZSET   "band|tenant|replica" → expiry of the waiting entry (ms)
 *   <prefix>sched:{<pool>}:meta    HASH   skip:<band> (starvation counters), left:<band> (last counter out)
 *   <prefix>sched:{<pool>}:weight  HASH   tenant → weight (as last seen)
 *   <prefix>sched:{<pool>}:holds   HASH   hold member → endpoint url
 *   <prefix>sched:ep:<url>         ZSET   "tenant|lease id" → expiry (ms): the endpoint's slots, holds
 *                                         ("tenant|hold:<lease>") included
 *
 * Pool keys outlive their last write by a day; lease sets likewise.
 */
import type { Redis } from "ioredis";
import { closeClient, createFailFastClient, LuaScript } from "../../admission/redis/client.js";
import type { Band } from "../policy.js";
import type { DispatchRequest, DispatchResult, LeaseRef, ReleaseRequest, SlotStore } from "../slot-store.js";
import { DISPATCH_LUA, RELEASE_LUA, RENEW_LUA, WITHDRAW_LUA } from "./scripts.js";

export interface RedisSlotStoreOptions {
  readonly url: string;
  /** Default "tollgate:". */
  readonly keyPrefix?: string;
  /** Default 500. */
  readonly commandTimeoutMs?: number;
}

const KEEP_MS = 86_400_000;
const dispatchScript = new LuaScript(DISPATCH_LUA);
const releaseScript = new LuaScript(RELEASE_LUA);
const withdrawScript = new LuaScript(WITHDRAW_LUA);
const renewScript = new LuaScript(RENEW_LUA);

export class RedisSlotStore implements SlotStore {
  private readonly client: Redis;
  private readonly prefix: string;

  constructor(options: RedisSlotStoreOptions) {
    this.client = createFailFastClient(options.url, options.commandTimeoutMs ?? 500);
    this.prefix = `${options.keyPrefix ?? "tollgate:"}sched:`;
  }

  private root(pool: string): string {
    return `${this.prefix}{${pool}}`;
  }

  private endpoint(url: string): string {
    return `${this.prefix}ep:${url}`;
  }

  async dispatch(r: DispatchRequest): Promise<DispatchResult> {
    const args: (string | number)[] = [
      r.now,
      r.replica,
      r.leaseTtlMs,
      r.waitTtlMs,
      r.starvationLimit,
      KEEP_MS,
      r.endpoints.length,
    ];
    for (const e of r.endpoints) args.push(e.url, Math.max(0, Math.floor(e.capacity)));
    args.push(r.candidates.length);
    for (const c of r.candidates) {
      args.push(c.tenant, c.band, c.weight, c.cost, c.lease, c.more ? 1 : 0, c.prefer, c.avoid.join(" "));
    }
    const keys = [this.root(r.pool), ...r.endpoints.map((e) => this.endpoint(e.url))];
    const reply = await dispatchScript.run(this.client, keys, args);
    if (!Array.isArray(reply) || !reply.every((v) => typeof v === "string")) {
      throw new Error("unexpected reply from the dispatch script");
    }
    const [kind, tenant, lease, endpoint] = reply;
    if (kind === "granted" && tenant !== undefined && lease !== undefined && endpoint !== undefined) {
      return { kind, tenant, lease, endpoint };
    }
    if (kind === "full" || kind === "yield") return { kind };
    throw new Error("unexpected reply from the dispatch script");
  }

  async release(r: ReleaseRequest): Promise<boolean> {
    let endpoints = r.endpoints;
    let index = endpoints.findIndex((e) => e.url === r.endpoint);
    if (index < 0) [endpoints, index] = [[...endpoints, { url: r.endpoint, capacity: 0 }], endpoints.length];
    const args: (string | number)[] = [
      r.now,
      r.lease,
      r.tenant,
      r.band,
      r.correction,
      r.holdMs,
      r.starvationLimit,
      KEEP_MS,
      index + 1,
      endpoints.length,
    ];
    for (const e of endpoints) args.push(e.url, Math.max(0, Math.floor(e.capacity)));
    const keys = [this.root(r.pool), ...endpoints.map((e) => this.endpoint(e.url))];
    return (await releaseScript.run(this.client, keys, args)) === 1;
  }

  async withdraw(pool: string, replica: string, tenant: string, band: Band, now: number): Promise<void> {
    await withdrawScript.run(this.client, [this.root(pool)], [replica, tenant, band, now]);
  }

  async renew(leases: readonly LeaseRef[], now: number, ttlMs: number): Promise<void> {
    if (leases.length === 0) return;
    await renewScript.run(
      this.client,
      leases.map((l) => this.endpoint(l.endpoint)),
      [now, ttlMs, ...leases.map((l) => `${l.tenant}|${l.lease}`)],
    );
  }

  async inFlight(endpoints: readonly string[], now: number): Promise<number[]> {
    const pipeline = this.client.pipeline();
    for (const url of endpoints) pipeline.zcount(this.endpoint(url), `(${now}`, "+inf");
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, n]) => {
      if (err !== null) throw err;
      return Number(n);
    });
  }

  async counters(pool: string): Promise<Record<string, number>> {
    const raw = await this.client.hgetall(`${this.root(pool)}:vtc`);
    return Object.fromEntries(Object.entries(raw).map(([t, v]) => [t, Number(v)]));
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}
