import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { recordHash } from "../src/audit/chain.js";
import { canonicalJson } from "../src/canonical-json.js";

/** The definition the audit chain's stored hashes were computed with (before the one-string rewrite). */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${reference(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A random JSON value (what a record's data is once stored and read back). */
function randomJson(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 5 : 7));
  const text = (): string =>
    ["", "a", "Zeta", 'é\u0000"q\\', "tenant-1", "10", "__proto_", "\u{1F600}"][Math.floor(rand() * 8)]!;
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return Math.round((rand() - 0.5) * 1e6) / (rand() < 0.5 ? 1 : 1000);
    case 3:
    case 4:
      return text();
    case 5:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(rand, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) o[text() + String(i)] = randomJson(rand, depth + 1);
      return o;
    }
  }
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: undefined, e: "x" }], c: null }, z: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"e":"x"}]},"b":1}',
    );
    expect(canonicalJson({})).toBe("{}");
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson(undefined)).toBe("null");
  });

  it("gives the same text as the definition stored audit hashes were made with, for any JSON value", () => {
    const rand = seeded(7);
    for (let i = 0; i < 2000; i++) {
      const v = randomJson(rand, 0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });

  it("keeps audit record hashes as they were", () => {
    const rand = seeded(11);
    for (let i = 0; i < 200; i++) {
      const r = {
        chain: "replica-a.inference",
        seq: i + 1,
        prevHash: "0".repeat(64),
        time: "2026-11-26T10:00:00.000Z",
        actor: "key:k1",
        action: "inference",
        tenant: i % 3 === 0 ? null : "acme-corp",
        target: null,
        sourceIp: "127.0.0.1",
        data: randomJson(rand, 1) as Record<string, unknown>,
      };
      expect(recordHash(r)).toBe(createHash("sha256").update(reference(r)).digest("hex"));
    }
  });
});
