import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import { openFileJournal } from "../../src/usage/journal/file-journal.js";
import type { Journal } from "../../src/usage/journal/journal.js";
import { MemoryJournal } from "../../src/usage/journal/memory-journal.js";
import { decodingWriter, Ledger } from "../../src/usage/ledger.js";
import type { UsageEvent } from "../../src/usage/usage-event.js";
import { eventually } from "../helpers/gateway.js";
import { usageEvent } from "./events.js";

const DAY = { from: new Date("2026-11-25T00:00:00Z"), to: new Date("2026-11-26T00:00:00Z") };

let dir: string;
let store: Store;
let down = false;
let refuse: ((e: UsageEvent) => boolean) | null = null;
const calls: number[] = [];
const stats = { stored: 0, duplicates: 0, errors: 0, rejected: 0 };

function ledger(journal: Journal, batchSize = 10): Ledger {
  return new Ledger({
    journal,
    repository: decodingWriter({
      append: async (events) => {
        calls.push(events.length);
        if (down) throw new Error("connection refused");
        if (refuse !== null && events.some(refuse)) throw new Error("value refused");
        return store.ledger.append(events);
      },
    }),
    ping: async () => {
      if (down) throw new Error("connection refused");
    },
    batchSize,
    batchIntervalMs: 20,
    drainTimeoutMs: 200,
    retryBaseMs: 5,
    retryMaxMs: 20,
    events: {
      onStored: (records, inserted) => {
        stats.stored += inserted;
        stats.duplicates += records - inserted;
      },
      onWriteError: () => stats.errors++,
      onRejected: () => stats.rejected++,
    },
  });
}

const storedIds = async (tenant = "acme") =>
  (await store.ledger.events(tenant, DAY.from, DAY.to)).map((e) => e.requestId);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "tollgate-ledger-"));
  store = openStore(`sqlite://${join(dir, "s.db")}`);
  await store.migrate();
  down = false;
  refuse = null;
  calls.length = 0;
  Object.assign(stats, { stored: 0, duplicates: 0, errors: 0, rejected: 0 });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("ledger", () => {
  it("writes events in batches of one transaction, in order, and flush waits for them", async () => {
    const l = ledger(new MemoryJournal(), 10);
    l.start();
    const events = Array.from({ length: 25 }, (_, i) =>
      usageEvent({ requestId: `r${String(i).padStart(3, "0")}` }),
    );
    for (const e of events) l.record(e);
    expect(l.backlog).toBe(25);
    await l.flush(5000);
    expect(l.backlog).toBe(0);
    expect(await storedIds()).toEqual(events.map((e) => e.requestId));
    expect(Math.max(...calls)).toBeLessThanOrEqual(10);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(25);
    await l.close();
  });

  it("keeps events in the journal while the store is down and writes each once when it is back", async () => {
    const l = ledger(new MemoryJournal(), 5);
    l.start();
    down = true;
    const events = Array.from({ length: 12 }, (_, i) => usageEvent({ requestId: `o${i}` }));
    for (const e of events) l.record(e);
    await eventually(() => stats.errors >= 3, 5000);
    expect(l.backlog).toBe(12);
    expect(l.problems()).toEqual([
      expect.stringMatching(/12 events waiting in the journal \(store: connection refused\)/),
    ]);
    down = false;
    await l.flush(5000);
    expect((await storedIds()).sort()).toEqual(events.map((e) => e.requestId).sort());
    expect(stats.stored).toBe(12);
    expect(l.problems()).toEqual([]);
    await l.close();
  });

  it("replays the journal's tail after a restart without counting anything twice", async () => {
    const journalDir = join(dir, "journal");
    const openJ = () =>
      openFileJournal({ dir: journalDir, fsync: "commit", commitIntervalMs: 1, segmentBytes: 1 << 20 });
    const first = ledger(await openJ(), 4);
    first.start();
    const events = Array.from({ length: 10 }, (_, i) =>
      usageEvent({ requestId: `c${i}`, costMicros: 100 + i }),
    );
    for (const e of events.slice(0, 6)) first.record(e);
    await first.flush(5000);
    down = true; // the next four never reach the store before this "process" goes away
    for (const e of events.slice(6)) {
      first.record(e);
      await first.durable(e);
    }
    await first.close();
    expect(await storedIds()).toHaveLength(6);

    down = false;
    await store.ledger.append([events[7]!]); // as if a batch had committed just before the crash
    const second = ledger(await openJ(), 4);
    second.start();
    await second.flush(5000);
    expect((await storedIds()).sort()).toEqual(events.map((e) => e.requestId).sort());
    const [total] = await store.ledger.totals({ tenantId: "acme", ...DAY, by: [] });
    expect(total).toMatchObject({ requests: 10, costMicros: events.reduce((s, e) => s + e.costMicros, 0) });
    await second.close();
  });

  it("regression: replays an earlier run's tail at once, without waiting for a fuller batch", async () => {
    const journalDir = join(dir, "journal");
    const openJ = () =>
      openFileJournal({ dir: journalDir, fsync: "off", commitIntervalMs: 1, segmentBytes: 1 << 20 });
    const first = await openJ();
    for (const id of ["t1", "t2", "t3"])
      await first.append(JSON.stringify({ v: 1, ...usageEvent({ requestId: id }) }));
    await first.close();
    const l = new Ledger({
      journal: await openJ(),
      repository: decodingWriter(store.ledger),
      batchSize: 100,
      batchIntervalMs: 60_000,
      drainTimeoutMs: 100,
    });
    l.start();
    await eventually(() => l.backlog === 0, 5000);
    expect((await storedIds()).sort()).toEqual(["t1", "t2", "t3"]);
    await l.close();
  });

  it("resolves durable() only once the event is in the journal file", async () => {
    const journalDir = join(dir, "journal");
    const l = ledger(
      await openFileJournal({ dir: journalDir, fsync: "commit", commitIntervalMs: 2, segmentBytes: 1 << 20 }),
    );
    const e = usageEvent({ requestId: "durable-1" });
    l.record(e);
    await l.durable(e);
    const text = readFileSync(join(journalDir, "000000000001.jsonl"), "utf8");
    expect(text).toContain('"requestId":"durable-1"');
    await l.close();
  });

  it("sets aside an event the store refuses while it answers, and goes on with the others", async () => {
    const journal = new MemoryJournal();
    const l = ledger(journal, 10);
    l.start();
    refuse = (e) => e.requestId === "poison";
    for (const id of ["a", "poison", "b"]) l.record(usageEvent({ requestId: id }));
    await l.flush(5000);
    expect((await storedIds()).sort()).toEqual(["a", "b"]);
    expect(journal.quarantined).toEqual([expect.stringContaining('"requestId":"poison"')]);
    expect(stats.rejected).toBe(1);
    await l.close();
  });
});
