import { describe, expect, it } from "vitest";
import { link, recordHash, type AuditEntry, type AuditRecord } from "../../src/audit/chain.js";
import { ChainVerifier } from "../../src/audit/verifier.js";

const entry = (i: number): AuditEntry => ({
  time: `2026-11-25T10:00:${String(i).padStart(2, "0")}.000Z`,
  actor: "admin:root",
  action: "tenant.update",
  tenant: i % 2 === 0 ? "acme" : "globex",
  target: `tenant:${i}`,
  sourceIp: null,
  data: { n: i },
});

const chainOf = (name: string, n: number): AuditRecord[] =>
  link(
    name,
    null,
    Array.from({ length: n }, (_v, i) => entry(i + 1)),
  );

function verify(records: readonly AuditRecord[], anchors?: Map<string, { seq: number; hash: string }>) {
  const v = new ChainVerifier(anchors);
  for (const r of records) v.feed(r);
  return v.finish();
}

const kinds = (records: readonly AuditRecord[]) =>
  verify(records).problems.map((p) => [p.chain, p.seq, p.problem]);

describe("audit chain verification", () => {
  const a = chainOf("a", 10);
  const b = chainOf("b", 4);

  it("finds nothing wrong with intact chains and reports each chain's head", () => {
    const { problems, heads } = verify([...a, ...b]);
    expect(problems).toEqual([]);
    expect(heads.get("a")).toEqual({ seq: 10, hash: a[9]!.hash, records: 10 });
    expect(heads.get("b")).toEqual({ seq: 4, hash: b[3]!.hash, records: 4 });
  });

  it("reports an edited record, and only it", () => {
    const edited = a.map((r) => (r.seq === 5 ? { ...r, data: { n: 500 } } : r));
    expect(kinds(edited)).toEqual([["a", 5, "edited"]]);
  });

  it("reports an edit whose hash was recomputed at the next record's link", () => {
    const forged = a.map((r) => {
      if (r.seq !== 5) return r;
      const { hash: _h, ...rest } = { ...r, data: { n: 500 } };
      return { ...rest, hash: recordHash(rest) };
    });
    expect(kinds(forged)).toEqual([["a", 6, "broken_link"]]);
  });

  it("reports a removed record once, as missing", () => {
    expect(kinds(a.filter((r) => r.seq !== 3))).toEqual([["a", 3, "missing"]]);
    expect(verify(a.filter((r) => r.seq < 3 || r.seq > 5)).problems[0]?.detail).toMatch(/records 3–5/);
  });

  it("reports reordered records (their positions rewritten) as moved, naming where they came from", () => {
    const swapped = a.map((r) => (r.seq === 3 ? { ...r, seq: 4 } : r.seq === 4 ? { ...r, seq: 3 } : r));
    swapped.sort((x, y) => x.seq - y.seq); // a database returns them by position
    const { problems } = verify(swapped);
    expect(problems.map((p) => [p.seq, p.problem])).toEqual([
      [3, "reordered"],
      [4, "reordered"],
    ]);
    expect(problems[0]!.detail).toBe("record 4 was moved to position 3");
  });

  it("reports records out of order in a file", () => {
    const shuffled = [a[0]!, a[2]!, a[1]!, ...a.slice(3)];
    expect(kinds(shuffled).map((k) => k[2])).toContain("reordered");
  });

  it("reports a truncated chain and a rewritten one against earlier anchors", () => {
    const anchors = new Map([
      ["a", { seq: 10, hash: a[9]!.hash }],
      ["b", { seq: 4, hash: b[3]!.hash }],
      ["gone", { seq: 2, hash: "f".repeat(64) }],
    ]);
    const rewrittenB = link(
      "b",
      null,
      [1, 2, 3, 4].map((i) => ({ ...entry(i), data: { n: -i } })),
    );
    const { problems } = verify([...a.slice(0, 8), ...rewrittenB], anchors);
    expect(problems.map((p) => [p.chain, p.seq, p.problem])).toEqual([
      ["b", 4, "rewritten"],
      ["a", 10, "truncated"],
      ["gone", 2, "truncated"],
    ]);
    expect(verify([...a, ...b], new Map([["a", { seq: 10, hash: a[9]!.hash }]])).problems).toEqual([]);
  });
});
