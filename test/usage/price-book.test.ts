import { describe, expect, it } from "vitest";
import { parseConfig, type ConfigError } from "../../src/config/load.js";
import { priceBookFromConfig } from "../../src/usage/price-book.js";
import { RequestMeter } from "../../src/usage/request-meter.js";

const yaml = (models: string, tenants = "") => `
models:
${models}
tenants:
  acme: { tier: a, models_allowed: [m, n] }
${tenants}
`;

const M = `
  m:
    upstreams: ["http://e:8000"]
    version: "2024-07-23"
    pricing_history:
      - { effective_from: "2026-10-01T00:00:00Z", input_per_1k: 0.002, output_per_1k: 0.006 }
    pricing: { input_per_1k: 0.001, output_per_1k: 0.003, cached_input_per_1k: 0.0005, effective_from: "2026-11-15T00:00:00Z" }
  n:
    upstreams: ["http://e:8000"]
    pricing: { input_per_1k: 0.01, output_per_1k: 0.02 }`;

const at = (iso: string) => Date.parse(iso);

describe("price book", () => {
  it("bills each request at the price in effect at its time, and the earliest price before any date", () => {
    const book = priceBookFromConfig(parseConfig(yaml(M), "t.yaml", {}));
    const before = { inputPer1k: 2000, outputPer1k: 6000, cachedInputPer1k: 2000 };
    const after = { inputPer1k: 1000, outputPer1k: 3000, cachedInputPer1k: 500 };
    expect(book.price("acme", "m", at("2026-09-01T00:00:00Z"))).toEqual(before);
    expect(book.price("acme", "m", at("2026-11-14T23:59:59.999Z"))).toEqual(before);
    expect(book.price("acme", "m", at("2026-11-15T00:00:00Z"))).toEqual(after);
    expect(book.price("acme", "n", at("2020-01-01T00:00:00Z"))).toEqual({
      inputPer1k: 10000,
      outputPer1k: 20000,
      cachedInputPer1k: 10000,
    });
    expect(book.price("acme", "unknown", 0)).toBeUndefined();
    expect(book.version("m")).toBe("2024-07-23");
    expect(book.version("n")).toBeNull();
  });

  it("applies a tenant's discount to every dated price, and a negotiated rate at all times", () => {
    const tenants = `
  globex:
    tier: b
    models_allowed: [m, n]
    pricing_overrides:
      "*": { discount_percent: 10 }
      n: { input_per_1k: 0.005, output_per_1k: 0.005 }`;
    const book = priceBookFromConfig(parseConfig(yaml(M, tenants), "t.yaml", {}));
    expect(book.price("globex", "m", at("2026-10-02T00:00:00Z"))).toEqual({
      inputPer1k: 1800,
      outputPer1k: 5400,
      cachedInputPer1k: 1800,
    });
    expect(book.price("globex", "m", at("2026-11-20T00:00:00Z"))).toEqual({
      inputPer1k: 900,
      outputPer1k: 2700,
      cachedInputPer1k: 450,
    });
    expect(book.price("globex", "n", 0)).toEqual({
      inputPer1k: 5000,
      outputPer1k: 5000,
      cachedInputPer1k: 5000,
    });
    // other tenants pay list price
    expect(book.price("acme", "n", 0)?.inputPer1k).toBe(10000);
  });

  it("refuses dated prices out of order, a current price without a later date, and overrides of other models", () => {
    const bad = `
  m:
    upstreams: ["http://e:8000"]
    pricing_history:
      - { effective_from: "2026-10-01T00:00:00Z", input_per_1k: 1 }
      - { effective_from: "2026-09-01T00:00:00Z", input_per_1k: 1 }
    pricing: { input_per_1k: 1 }
  n:
    upstreams: ["http://e:8000"]
    pricing: { input_per_1k: 1 }`;
    const tenants = `
  globex: { tier: b, models_allowed: [n], pricing_overrides: { m: { discount_percent: 5 } } }`;
    let problems: readonly string[] = [];
    try {
      parseConfig(yaml(bad, tenants), "t.yaml", {});
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("models.m.pricing_history[1].effective_from"),
        expect.stringContaining("models.m.pricing.effective_from"),
        expect.stringContaining("tenants.globex.pricing_overrides.m"),
      ]),
    );
  });

  it("makes the meter charge the tenant's price of the request's time, and record it", () => {
    const book = priceBookFromConfig(parseConfig(yaml(M), "t.yaml", {}));
    const meter = new RequestMeter("r1", "chat", undefined, {
      now: at("2026-10-20T12:00:00Z"),
      prices: book,
    });
    meter.tenantId = "acme";
    meter.model = "m";
    meter.price = { inputPer1k: 1000, outputPer1k: 3000, cachedInputPer1k: 500 }; // the route's list price
    meter.usage = { input: 1000, output: 500, cached: 0 };
    const event = meter.settle(200, null)!;
    expect(event.time.toISOString()).toBe("2026-10-20T12:00:00.000Z");
    expect(event.price).toEqual({ inputPer1k: 2000, outputPer1k: 6000, cachedInputPer1k: 2000 });
    expect(event.costMicros).toBe(2000 + 3000);
    expect(event.modelVersion).toBe("2024-07-23");
  });
});
