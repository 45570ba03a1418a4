import { describe, expect, it } from "vitest";
import { link, type AuditEntry, type AuditRecord } from "../../src/audit/chain.js";
import type { Store } from "../../src/store/port.js";
import { backends, useBackend } from "./backends.js";

const entry = (i: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  time: new Date(Date.UTC(2026, 10, 25, 10, 0, i)).toISOString(),
  actor: i % 3 === 0 ? "admin:root" : `key:k${i % 2}`,
  action: i % 3 === 0 ? (i % 2 === 0 ? "key.revoke" : "key.create") : "inference",
  tenant: i % 4 === 0 ? null : i % 2 === 0 ? "acme" : "globex",
  target: `t${i}`,
  sourceIp: i % 3 === 0 ? "10.0.0.1" : null,
  data: { n: i, nested: { list: [1, "two", null], ok: true } },
  ...over,
});

describe.each(backends)("audit store contract: $name", (backend) => {
  let store: Store;
  let a: AuditRecord[];
  let b: AuditRecord[];

  useBackend(backend, async (opened) => {
    store = opened.store;
    a = link(
      "replica-a",
      null,
      Array.from({ length: 30 }, (_v, i) => entry(i + 1)),
    );
    b = link(
      "replica-b",
      null,
      Array.from({ length: 10 }, (_v, i) => entry(i + 31)),
    );
    await store.audit.append(a.slice(0, 20));
    await store.audit.append(b);
    await store.audit.append(a.slice(20));
  });

  it.skipIf(!backend.available)(
    "keeps each chain's head and gives records back exactly as linked",
    async () => {
      expect(await store.audit.head("replica-a")).toEqual({ seq: 30, hash: a[29]!.hash });
      expect(await store.audit.head("replica-b")).toEqual({ seq: 10, hash: b[9]!.hash });
      expect(await store.audit.head("nobody")).toBeNull();
      expect(await store.audit.scan({}, 1000)).toEqual([...a, ...b]);
    },
  );

  it.skipIf(!backend.available)("pages a scan in (chain, seq) order", async () => {
    const first = await store.audit.scan({}, 25);
    const rest = await store.audit.scan({ after: { chain: "replica-a", seq: 25 } }, 1000);
    expect([...first, ...rest]).toEqual([...a, ...b]);
    const acme = await store.audit.scan({ tenant: "acme" }, 1000);
    expect(acme).toEqual([...a, ...b].filter((r) => r.tenant === "acme"));
  });

  it.skipIf(!backend.available)("refuses a batch that reuses a position, storing none of it", async () => {
    const clash = link("replica-b", { seq: 9, hash: b[8]!.hash }, [entry(90), entry(91)]);
    await expect(store.audit.append(clash)).rejects.toThrow();
    expect(await store.audit.head("replica-b")).toEqual({ seq: 10, hash: b[9]!.hash });
  });

  it.skipIf(!backend.available)("queries by tenant, actor, action and time, newest first", async () => {
    const all = [...a, ...b];
    const newestFirst = (list: AuditRecord[]) => [...list].sort((x, y) => (x.time < y.time ? 1 : -1));
    expect(await store.audit.query({ tenant: "acme", limit: 1000 })).toEqual(
      newestFirst(all.filter((r) => r.tenant === "acme")),
    );
    expect(await store.audit.query({ actor: "admin:root", limit: 1000 })).toEqual(
      newestFirst(all.filter((r) => r.actor === "admin:root")),
    );
    expect(await store.audit.query({ action: "key.*", tenant: "globex", limit: 1000 })).toEqual(
      newestFirst(all.filter((r) => r.action.startsWith("key.") && r.tenant === "globex")),
    );
    const from = new Date(Date.UTC(2026, 10, 25, 10, 0, 10));
    const to = new Date(Date.UTC(2026, 10, 25, 10, 0, 20));
    const window = await store.audit.query({ from, to, limit: 1000 });
    expect(window.map((r) => r.data.n)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
  });

  it.skipIf(!backend.available)("pages a query with a cursor, without gaps or repeats", async () => {
    const seen: AuditRecord[] = [];
    let page = await store.audit.query({ limit: 7 });
    while (page.length > 0) {
      seen.push(...page);
      const last = page[page.length - 1]!;
      page = await store.audit.query({
        limit: 7,
        before: { time: last.time, chain: last.chain, seq: last.seq },
      });
    }
    expect(seen).toHaveLength(40);
    expect(new Set(seen.map((r) => `${r.chain}/${r.seq}`)).size).toBe(40);
  });
});
