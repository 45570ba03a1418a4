import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditTrail } from "../../src/audit/audit-trail.js";
import type { AuditEntry, AuditRecord } from "../../src/audit/chain.js";
import { ChainWriter } from "../../src/audit/chain-writer.js";
import { ChainVerifier } from "../../src/audit/verifier.js";
import type { AuditRepository } from "../../src/store/audit-port.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/port.js";
import { openFileJournal } from "../../src/usage/journal/file-journal.js";
import type { Journal } from "../../src/usage/journal/journal.js";
import { MemoryJournal } from "../../src/usage/journal/memory-journal.js";

const entry = (i: number, tenant = "acme"): AuditEntry => ({
  time: new Date(Date.UTC(2026, 10, 25, 10, 0, 0, i)).toISOString(),
  actor: "admin:root",
  action: "tenant.update",
  tenant,
  target: `tenant:${tenant}`,
  sourceIp: "10.0.0.1",
  data: { n: i },
});

/** The real store's audit repository, with a switch to fail writes (an outage) and a count of them. */
class Repo implements Pick<AuditRepository, "head" | "append"> {
  down = false;
  /** Fail the next write after it committed (its answer lost). */
  loseNextAnswer = false;
  appends = 0;
  constructor(private readonly inner: AuditRepository) {}
  head(chain: string) {
    if (this.down) return Promise.reject(new Error("store down"));
    return this.inner.head(chain);
  }
  async append(records: readonly AuditRecord[]) {
    if (this.down) throw new Error("store down");
    this.appends++;
    await this.inner.append(records);
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new Error("connection reset");
    }
  }
}

function trail(repo: Repo, chain: string, options: { journal?: Journal; continueChain?: boolean } = {}) {
  const t = new AuditTrail({
    journal: options.journal ?? new MemoryJournal(),
    writer: new ChainWriter(chain, repo, { continueChain: options.continueChain ?? false }),
    batchSize: 50,
    batchIntervalMs: 20,
    drainTimeoutMs: 2000,
    retryBaseMs: 5,
    retryMaxMs: 20,
  });
  t.start();
  return t;
}

describe("audit trail writer", () => {
  let dir: string;
  let store: Store;

  const stored = (chain?: string) => store.audit.scan({ chain }, 10_000);
  async function verify() {
    const v = new ChainVerifier();
    for (const r of await stored()) v.feed(r);
    return v.finish().problems;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-audit-trail-"));
    store = openStore(`sqlite://${join(dir, "s.db")}`);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("links records into one chain and stores them in batches (group commit)", async () => {
    const repo = new Repo(store.audit);
    const t = trail(repo, "batching");
    for (let i = 0; i < 120; i++) t.record(entry(i));
    await t.flush(5000);
    expect(t.backlog).toBe(0);
    const records = await stored("batching");
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 120 }, (_v, i) => i + 1));
    expect(records.map((r) => r.data.n)).toEqual(Array.from({ length: 120 }, (_v, i) => i));
    expect(repo.appends).toBeLessThanOrEqual(4); // 120 records, batches of up to 50
    expect(await verify()).toEqual([]);
    await t.close();
  });

  it("never throws on what it is given, and stores something for it", async () => {
    const t = trail(new Repo(store.audit), "odd-input");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => {
      t.record({ ...entry(1), actor: "admin:\u0000root\n", data: { big: 10n } });
      t.record({ ...entry(2), time: "not a time", data: cyclic });
      t.record({ ...entry(3), data: { text: "x".repeat(100_000) } });
    }).not.toThrow();
    await t.flush(5000);
    const records = await stored("odd-input");
    expect(records.map((r) => [r.actor, r.data])).toEqual([
      ["admin:root", { unserializable: true }],
      ["admin:root", { unserializable: true }],
      ["admin:root", { truncated: true, chars: 100_011 }],
    ]);
    expect(Number.isNaN(Date.parse(records[1]!.time))).toBe(false);
    await t.close();
  });

  it("keeps records through a store outage and writes them, once each, when it returns", async () => {
    const repo = new Repo(store.audit);
    const t = trail(repo, "outage");
    t.record(entry(1));
    await t.flush(5000);
    repo.down = true;
    for (let i = 2; i <= 40; i++) t.record(entry(i));
    await expect(t.flush(300)).rejects.toThrow(/not in the store/);
    expect(t.backlog).toBe(39);
    expect(t.problems().join()).toMatch(/39 records waiting .*store down/);
    repo.down = false;
    await t.flush(5000);
    expect((await stored("outage")).map((r) => r.data.n)).toEqual(
      Array.from({ length: 40 }, (_v, i) => i + 1),
    );
    expect(t.problems()).toEqual([]);
    expect(await verify()).toEqual([]);
    await t.close();
  });

  it("settles a batch whose commit answer was lost without storing it twice", async () => {
    const repo = new Repo(store.audit);
    const t = trail(repo, "lost-answer");
    repo.loseNextAnswer = true;
    for (let i = 1; i <= 5; i++) t.record(entry(i));
    await t.flush(5000);
    t.record(entry(6));
    await t.flush(5000);
    expect((await stored("lost-answer")).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await verify()).toEqual([]);
    await t.close();
  });

  it("continues a configured chain across restarts", async () => {
    const first = trail(new Repo(store.audit), "pod-0", { continueChain: true });
    for (let i = 1; i <= 3; i++) first.record(entry(i));
    await first.close();
    const second = trail(new Repo(store.audit), "pod-0", { continueChain: true });
    for (let i = 4; i <= 5; i++) second.record(entry(i));
    await second.close();
    expect((await stored("pod-0")).map((r) => [r.seq, r.data.n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(await verify()).toEqual([]);
  });

  it("forks instead of interleaving when two replicas are configured with the same chain id", async () => {
    const a = trail(new Repo(store.audit), "twin", { continueChain: true });
    const b = trail(new Repo(store.audit), "twin", { continueChain: true });
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) {
        a.record(entry(round * 100 + i, "a"));
        b.record(entry(round * 100 + i, "b"));
      }
      await Promise.all([a.flush(5000), b.flush(5000)]);
    }
    await Promise.all([a.close(), b.close()]);
    expect([a.chain, b.chain].filter((c) => c !== "twin")).toHaveLength(1);
    const all = (await stored()).filter((r) => r.chain.startsWith("twin"));
    expect(all.filter((r) => r.tenant === "a")).toHaveLength(50);
    expect(all.filter((r) => r.tenant === "b")).toHaveLength(50);
    expect(await verify()).toEqual([]);
  });

  it("writes at the next start what an earlier run left in its journal", async () => {
    const journalDir = join(dir, "journal");
    const repo = new Repo(store.audit);
    repo.down = true;
    const t = new AuditTrail({
      journal: await openFileJournal({
        dir: journalDir,
        fsync: "off",
        commitIntervalMs: 1,
        segmentBytes: 1 << 20,
      }),
      writer: new ChainWriter("crashed", repo, { continueChain: false }),
      batchSize: 50,
      batchIntervalMs: 10,
      drainTimeoutMs: 50,
      retryBaseMs: 5,
    });
    t.start();
    for (let i = 1; i <= 7; i++) t.record(entry(i));
    await t.close(); // gives up draining after 50 ms: the records stay in the journal
    expect(await stored("crashed")).toEqual([]);
    const next = trail(new Repo(store.audit), "restarted", {
      journal: await openFileJournal({
        dir: journalDir,
        fsync: "off",
        commitIntervalMs: 1,
        segmentBytes: 1 << 20,
      }),
    });
    await next.flush(5000);
    expect((await stored("restarted")).map((r) => r.data.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await next.close();
  });
});
