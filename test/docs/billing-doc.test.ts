import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { priceBookFromConfig } from "../../src/usage/price-book.js";

describe("docs/billing.md", () => {
  it("has a pricing example that is a valid configuration and prices as the text says", () => {
    const doc = readFileSync("docs/billing.md", "utf8");
    const block = /<!-- example: pricing -->\s*```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const book = priceBookFromConfig(parseConfig(block, "billing.md", {}));
    const before = Date.parse("2026-11-14T12:00:00Z");
    const after = Date.parse("2026-11-15T12:00:00Z");
    // acme: 20% off the list price of each date
    expect(book.price("acme-corp", "llama-3.1-8b", before)).toEqual({
      inputPer1k: 800,
      outputPer1k: 1600,
      cachedInputPer1k: 800,
    });
    expect(book.price("acme-corp", "llama-3.1-8b", after)).toEqual({
      inputPer1k: 400,
      outputPer1k: 1200,
      cachedInputPer1k: 200,
    });
    // startup: its own rate at all times
    expect(book.price("startup-xyz", "llama-3.1-8b", before)).toEqual(
      book.price("startup-xyz", "llama-3.1-8b", after),
    );
    expect(book.price("startup-xyz", "llama-3.1-8b", after)?.inputPer1k).toBe(400);
    expect(book.version("llama-3.1-8b")).toBe("2024-07-23");
  });
});
