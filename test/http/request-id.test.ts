import { describe, expect, it } from "vitest";
import { newRequestId } from "../../src/http/request-id.js";

describe("newRequestId", () => {
  it("is req_ and 32 hex digits, the first 12 the time in ms", () => {
    const id = newRequestId(Date.UTC(2026, 10, 26, 12, 0, 0, 5));
    expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(parseInt(id.slice(4, 16), 16)).toBe(Date.UTC(2026, 10, 26, 12, 0, 0, 5));
  });

  it("sorts by time", () => {
    const t = Date.now();
    const ids = [t + 5, t, t + 1_000, t + 1, t + 86_400_000].map((ms) => newRequestId(ms));
    const byText = [...ids].sort();
    expect(byText.map((id) => parseInt(id.slice(4, 16), 16))).toEqual([
      t,
      t + 1,
      t + 5,
      t + 1_000,
      t + 86_400_000,
    ]);
  });

  it("never repeats within a millisecond, across refills of the random pool", () => {
    const ids = Array.from({ length: 5_000 }, () => newRequestId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    // the random part is spread over all hex digits, not stuck on a refill boundary
    const digits = new Set(ids.flatMap((id) => [...id.slice(16)]));
    expect(digits.size).toBe(16);
  });
});
