import { tokenize as encode } from "../../src/usage/tokens.js";
import { describe, expect, it } from "vitest";
import { embedText } from "../../src/sim/embeddings.js";
import { generatePieces, naturalLength, vocabulary } from "../../src/sim/vocabulary.js";

describe("output vocabulary", () => {
  it("holds only pieces that are exactly one token", () => {
    const { words, punctuation } = vocabulary();
    expect(words.length).toBeGreaterThan(100);
    for (const piece of [...words, ...punctuation]) expect(encode(piece)).toHaveLength(1);
  });

  it("generates deterministic text of one-token pieces", () => {
    const a = generatePieces(1234, 200);
    expect(a).toHaveLength(200);
    expect(generatePieces(1234, 200)).toEqual(a);
    expect(generatePieces(1235, 200)).not.toEqual(a);
    for (const piece of a) expect(encode(piece)).toHaveLength(1);
    expect(a).toContain(".");
  });

  it("picks natural lengths within [1, max]", () => {
    const lengths = Array.from({ length: 500 }, (_, i) => naturalLength(i * 7919, 16));
    expect(Math.min(...lengths)).toBe(1);
    expect(Math.max(...lengths)).toBe(16);
  });
});

describe("embedText", () => {
  it("returns the same unit vector for the same text", () => {
    const v = embedText("hello world", 64);
    expect(Array.from(embedText("hello world", 64))).toEqual(Array.from(v));
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(Math.hypot(...embedText("", 64))).toBeCloseTo(1, 5);
  });
});
