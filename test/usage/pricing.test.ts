import { describe, expect, it } from "vitest";
import { costMicros, priceFromConfig, usdToMicros } from "../../src/usage/pricing.js";

describe("pricing in integer micro-dollars", () => {
  it("converts the seed's per-1k prices without float drift", () => {
    expect(priceFromConfig({ input_per_1k: 0.004, output_per_1k: 0.012 })).toEqual({
      inputPer1k: 4000,
      outputPer1k: 12000,
      cachedInputPer1k: 4000,
    });
    expect(
      priceFromConfig({ input_per_1k: 0.0005, output_per_1k: 0.0015, cached_input_per_1k: 0.00025 }),
    ).toEqual({
      inputPer1k: 500,
      outputPer1k: 1500,
      cachedInputPer1k: 250,
    });
    expect(usdToMicros(500.0)).toBe(500_000_000);
    expect(usdToMicros(0.1 + 0.2)).toBe(300_000);
  });

  it("bills cached prompt tokens at the cached price and rounds once, half up", () => {
    const price = priceFromConfig({
      input_per_1k: 0.0005,
      output_per_1k: 0.0015,
      cached_input_per_1k: 0.00025,
    });
    // 1000 uncached in × 0.5 + 1000 cached × 0.25 + 1000 out × 1.5 = 2250 µ$
    expect(costMicros(price, { input: 2000, cached: 1000, output: 1000 })).toBe(2250);
    expect(costMicros(price, { input: 1, cached: 0, output: 0 })).toBe(1); // 0.5 → 1
    expect(costMicros(price, { input: 0, cached: 0, output: 0 })).toBe(0);
    expect(costMicros(priceFromConfig("free"), { input: 10_000, cached: 0, output: 10_000 })).toBe(0);
  });

  it("is exact for a large request", () => {
    const price = priceFromConfig({ input_per_1k: 0.004, output_per_1k: 0.012 });
    expect(costMicros(price, { input: 123_457, cached: 0, output: 98_765 })).toBe(493_828 + 1_185_180);
  });
});
