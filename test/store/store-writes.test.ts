import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { link, verifyChain } from "../../src/audit/chain.js";
import type { Store, StoreWrites } from "../../src/store/port.js";
import { ThreadStoreWrites } from "../../src/store/worker/store-writes.js";
import { encodeEvent } from "../../src/usage/ledger-record.js";
import type { UsageEvent } from "../../src/usage/usage-event.js";
import { usageEvent } from "../usage/events.js";
import { backends, useBackend } from "./backends.js";

const NOV = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-12-01T00:00:00Z") };

const events = (n: number, tenantId: string) =>
  Array.from({ length: n }, (_v, i) =>
    usageEvent({
      requestId: `${tenantId}-${i}`,
      tenantId,
      time: new Date(Date.UTC(2026, 10, 1 + (i % 28), i % 24)),
      usage: { input: 10 + (i % 7), output: i % 5, cached: i % 3 },
      costMicros: 100 + i,
    }),
  );

const entries = (n: number) =>
  Array.from({ length: n }, (_v, i) => ({
    time: new Date(Date.UTC(2026, 10, 25, 10, 0, i)).toISOString(),
    actor: "admin:root",
    action: "key.create",
    tenant: "acme",
    target: `k${i}`,
    sourceIp: null,
    data: { n: i, nested: { ok: true } },
  }));

describe.each(backends)("store writes thread: $name", (backend) => {
  let store: Store;
  let url: string;
  let writes: ThreadStoreWrites;
  const threadErrors: Error[] = [];

  useBackend(backend, async (opened) => {
    store = opened.store;
    url = opened.url;
    writes = new ThreadStoreWrites({ url, poolSize: 1, inferenceChain: null }, (err) =>
      threadErrors.push(err),
    );
  });
  afterAll(async () => {
    await writes?.close();
  });

  it.skipIf(!backend.available)(
    "writes the ledger's batches that the gateway's own connection reads",
    async () => {
      const acme = events(700, "acme");
      const globex = events(120, "globex");
      expect(await append(writes, [...acme, ...globex])).toBe(820);
      expect(await append(writes, acme.slice(0, 10))).toBe(0); // idempotent on request id
      const [totals] = await store.ledger.totals({ tenantId: "acme", ...NOV, by: [] });
      expect(totals!.requests).toBe(700);
      expect(totals!.inputTokens).toBe(acme.reduce((s, e) => s + e.usage.input, 0));
      expect(totals!.costMicros).toBe(acme.reduce((s, e) => s + e.costMicros, 0));
      await writes.ping();
    },
  );

  it.skipIf(!backend.available)(
    "decodes the ledger's records on the thread and hands back those that are not events",
    async () => {
      const [good] = events(1, "hooli");
      const stored = await writes.ledger.appendRecords(["not json", encodeEvent(good!), '{"v":99}']);
      expect(stored).toEqual({ inserted: 1, invalid: ["not json", '{"v":99}'] });
    },
  );

  it.skipIf(!backend.available)(
    "links audit records at the chain's head, and reports a refused batch with its code",
    async () => {
      expect(await writes.audit.head("thread-chain")).toBeNull();
      const records = link("thread-chain", null, entries(25));
      await writes.audit.append(records);
      const last = records[records.length - 1]!;
      expect(await writes.audit.head("thread-chain")).toEqual({ seq: last.seq, hash: last.hash });
      expect(await store.audit.head("thread-chain")).toEqual({ seq: last.seq, hash: last.hash });
      const refused = await writes.audit.append(records.slice(0, 1)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Error);
      expect((refused as { code?: string }).code).toMatch(/^(SQLITE_CONSTRAINT|23505)/);
      expect(threadErrors).toEqual([]); // a refused call is not a dead thread
    },
  );

  it.skipIf(!backend.available)("audits each stored request once, in the ledger's transaction", async () => {
    const own = new ThreadStoreWrites({ url, poolSize: 1, inferenceChain: "replica-x.inference" });
    const batch = events(40, "umbrella");
    expect(await append(own, batch.slice(0, 30))).toBe(30);
    expect(await append(own, batch)).toBe(10); // 30 replayed, 10 new
    await own.close();
    expect(await store.audit.head("replica-x.inference")).toMatchObject({ seq: 40 });
    const records = await store.audit.scan({ chain: "replica-x.inference" }, 100);
    expect(verifyChain(records)).toEqual([]);
    expect(records.map((r) => r.data.request_id)).toEqual(batch.map((e) => e.requestId));
    expect(records[0]).toMatchObject({ action: "inference", actor: "key:key_1", tenant: "umbrella" });
  });

  it.skipIf(!backend.available)("records keys' last use for the gateway's connection to read", async () => {
    const at = new Date("2026-11-25T12:00:00.000Z");
    await store.keys.insert({
      id: "key_thread",
      tenantId: "acme",
      name: null,
      hash: "ab".repeat(32),
      displayPrefix: "tg_thread",
      createdAt: at,
      expiresAt: null,
      revokedAt: null,
    });
    await writes.keys.touch([{ tenantId: "acme", id: "key_thread", at }]);
    expect((await store.keys.get("acme", "key_thread"))!.lastUsedAt).toEqual(at);
  });

  it.skipIf(!backend.available)("answers the calls in flight before it closes", async () => {
    const own = new ThreadStoreWrites({ url, poolSize: 1, inferenceChain: null });
    const pending = append(own, events(50, "initech"));
    await own.close();
    await expect(pending).resolves.toBe(50);
    await expect(own.ping()).rejects.toThrow(/closed/);
  });
});

/** Appends events through the thread as the ledger does: as journal records; resolves with the new ones. */
const append = async (w: StoreWrites, evs: readonly UsageEvent[]): Promise<number> => {
  const stored = await w.ledger.appendRecords(evs.map(encodeEvent));
  expect(stored.invalid).toEqual([]);
  return stored.inserted;
};

describe("store writes thread that dies", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-writes-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fails the calls in flight instead of hanging, and starts a new thread at the next call", async () => {
    const blocker = join(dir, "not-a-dir");
    writeFileSync(blocker, "a file where the database's directory should be");
    const errors: Error[] = [];
    const writes = new ThreadStoreWrites(
      { url: `sqlite://${join(blocker, "x.db")}`, poolSize: 1, inferenceChain: null },
      (e) => errors.push(e),
    );
    await expect(append(writes, events(3, "acme"))).rejects.toThrow();
    expect(errors).toHaveLength(1);
    rmSync(blocker);
    // the same URL now opens: a new thread takes the next call
    await expect(writes.ping()).resolves.toBeUndefined();
    await writes?.close();
  });
});
