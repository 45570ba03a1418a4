import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../src/errors.js";

describe("docs/errors.md", () => {
  it("lists exactly the catalogue's codes with their status and type", () => {
    const doc = readFileSync("docs/errors.md", "utf8");
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\| ([a-z_]+) +\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
      m[3],
    ]);
    const catalogue = Object.entries(ERRORS).map(([code, e]) => [code, e.status, e.type]);
    expect(rows.sort()).toEqual(catalogue.sort());
  });
});
