import { describe, expect, it } from "vitest";
import { SettledIds } from "../../src/admission/memory/settled-ids.js";

describe("settled ids (memory limiter)", () => {
  it("knows an id for the whole TTL after it was settled, and forgets it after", () => {
    const ids = new SettledIds(120_000, 24); // generations of 5 s
    expect(ids.add("a", 0)).toBe(false);
    expect(ids.add("b", 4_999)).toBe(false); // same generation as a, settled 5 s later
    expect(ids.add("a", 119_999)).toBe(true);
    expect(ids.add("b", 124_998)).toBe(true); // b's TTL is counted from its own settlement
    expect(ids.add("c", 125_000)).toBe(false); // the first generation is gone now
    expect(ids.add("a", 125_001)).toBe(false);
  });

  it("holds no more generations than the TTL spans, however many ids", () => {
    const ids = new SettledIds(10_000, 10);
    for (let t = 0; t < 60_000; t += 1) ids.add(`r${t}`, t);
    expect(ids.size).toBeLessThanOrEqual(11_000);
    expect(ids.size).toBeGreaterThanOrEqual(10_000);
  });
});
