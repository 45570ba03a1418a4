import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../src/config/load.js";

describe("docs/customization.md", () => {
  it("has a tenant example that is a valid configuration", () => {
    const doc = readFileSync("docs/customization.md", "utf8");
    const block = /<!-- example: tenant -->\s*```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const models = `
models:
  llama-3.1-70b: { upstreams: ["http://e:1"], pricing: free }
  llama-3.1-8b: { upstreams: ["http://e:2"], pricing: free, lora: true }
  nomic-embed-text: { kind: embedding, upstreams: ["http://e:3"], pricing: free }
`;
    const config = parseConfig(models + block, "customization.md", {});
    const acme = config.tenants["acme-corp"]!;
    expect(acme.aliases).toEqual(
      (parse(block) as { tenants: { "acme-corp": { aliases: unknown } } }).tenants["acme-corp"].aliases,
    );
    expect(acme.guardrails?.pii.card).toBe("block");
    expect(Object.keys(acme.lora_adapters)).toEqual(["support"]);
  });
});
