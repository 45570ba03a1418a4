import { describe, expect, it } from "vitest";
import { link, verifyChain, type AuditEntry, type AuditRecord } from "../../src/audit/chain.js";

const entry = (i: number): AuditEntry => ({
  time: `2026-11-25T10:00:0${i}Z`,
  actor: "admin:root",
  action: "tenant.update",
  tenant: "acme",
  target: "tenant:acme",
  sourceIp: "10.0.0.1",
  data: { before: { rpm: i }, after: { rpm: i + 1 } },
});

describe("hash-chained audit records", () => {
  const records = link("replica-a", null, [1, 2, 3, 4, 5].map(entry));

  it("verifies an intact chain, also when appended in several batches", () => {
    expect(verifyChain(records)).toEqual([]);
    const more = link("replica-a", records.at(-1)!, [entry(6)]);
    expect(verifyChain([...records, ...more])).toEqual([]);
  });

  it("detects an edited record", () => {
    const edited: AuditRecord[] = records.map((r) =>
      r.seq === 3 ? { ...r, data: { before: { rpm: 0 }, after: { rpm: 1e9 } } } : r,
    );
    expect(verifyChain(edited)).toEqual([{ chain: "replica-a", seq: 3, problem: "edited" }]);
  });

  it("detects a removed record", () => {
    expect(verifyChain(records.filter((r) => r.seq !== 2))).toEqual([
      { chain: "replica-a", seq: 2, problem: "missing" },
      { chain: "replica-a", seq: 3, problem: "broken_link" },
    ]);
  });

  it("detects reordered records", () => {
    const swapped = [records[0]!, records[2]!, records[1]!, records[3]!, records[4]!];
    const problems = verifyChain(swapped);
    expect(problems.map((p) => p.problem)).toContain("reordered");
  });

  it("detects a record rebuilt with a fresh hash but a wrong link", () => {
    const forged = link("replica-a", { seq: 1, hash: "f".repeat(64) }, [entry(9)])[0]!;
    expect(verifyChain([records[0]!, forged])).toEqual([
      { chain: "replica-a", seq: 2, problem: "broken_link" },
    ]);
  });
});
