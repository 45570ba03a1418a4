import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createGateway, type Gateway } from "../../src/app.js";
import { printQuickstart } from "../../src/cli/quickstart.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";

describe("printQuickstart (the first start of npm start)", () => {
  let dir: string;
  let config: Config;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-quickstart-"));
    config = await loadConfig("examples/tollgate.yaml", {});
    config.storage = `sqlite://${join(dir, "q.db")}`;
    config.log.level = "silent";
    gateway = await createGateway(config, { processMetrics: false });
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a key for each example tenant without one, prints each once, and audits each creation", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      await printQuickstart(gateway, config, "examples/tollgate.yaml", "http://127.0.0.1:8080");
      const printed = log.mock.calls.flat().join("\n");
      // tenants whose keys the config declares (by hash) get none
      const tenants = Object.entries(config.tenants)
        .filter(([, t]) => t.api_keys.length === 0)
        .map(([id]) => id);
      expect(tenants.length).toBeGreaterThan(1);
      for (const t of tenants) expect(printed).toMatch(new RegExp(`${t}\\s+\\S+\\s+tg_`));

      await gateway.audit.flush(10_000);
      const trail = await gateway.store.audit.query({ action: "key.create", limit: 10 });
      expect(trail.map((r) => [r.actor, r.tenant]).sort()).toEqual(
        tenants.map((t) => ["quickstart", t]).sort(),
      );
      // the audit trail names each key, never its secret
      const secrets = printed.match(/tg_\w+/g) ?? [];
      expect(secrets).toHaveLength(tenants.length + 1); // one per tenant, and the curl line's
      for (const secret of secrets) expect(JSON.stringify(trail)).not.toContain(secret);

      log.mockClear();
      await printQuickstart(gateway, config, "examples/tollgate.yaml", "http://127.0.0.1:8080");
      expect(log.mock.calls.flat().join("\n")).toContain("Every tenant already has a key");
    } finally {
      log.mockRestore();
    }
  });
});
