import { describe, expect, it } from "vitest";
import { GatewayMetrics } from "../../src/telemetry/metrics.js";

function populated(tenants: number): GatewayMetrics {
  const m = new GatewayMetrics({ processMetrics: false });
  for (let i = 0; i < tenants; i++) {
    const tenant = `tenant-${i}`;
    m.requests.inc({ tenant, model: "llama-3.1-8b", status: "200" });
    m.errors.inc({ tenant, model: "llama-3.1-8b", code: "rate_limited" });
    m.tokens.inc({ tenant, model: "llama-3.1-8b", type: "input" }, 12 + i);
    m.duration.observe({ tenant, model: "llama-3.1-8b", stream: "false" }, 0.001 * i);
    m.ttft.observe({ tenant, model: "llama-3.1-8b" }, 0.02);
  }
  return m;
}

describe("GatewayMetrics.exposition", () => {
  it("is the registry's Prometheus text, byte for byte", async () => {
    const m = populated(30);
    m.requests.inc({ tenant: 'odd "quoted" \\ tenant\nname', model: "m", status: "500" });
    const text = await m.exposition();
    expect(text).toBe(await m.registry.metrics());
    expect(text).toContain(
      'llm_tenant_requests_total{tenant="tenant-7",model="llama-3.1-8b",status="200"} 1',
    );
  });

  it("lets other work run between metrics instead of blocking for the whole scrape", async () => {
    const m = populated(50);
    let turns = 0;
    let done = false;
    const spin = (): void => {
      if (done) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    await m.exposition();
    done = true;
    // One turn of the loop per metric (at least); registry.metrics() would have let none run.
    expect(turns).toBeGreaterThanOrEqual(m.registry.getMetricsAsArray().length - 1);
  });
});
