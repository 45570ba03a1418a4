import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { freePort, redisServerBinary, ThrowawayRedis } from "../helpers/redis.js";

const body = JSON.stringify({
  model: "llama-3.1-8b",
  messages: [{ role: "user", content: "hi" }],
  max_tokens: 4,
});

// The gateway against its own Redis, which the test stops and restarts.
describe.skipIf(!redisServerBinary)("gateway when the limiter's Redis goes away", () => {
  let redis: ThrowawayRedis;
  let t: TestGateway;
  let budgeted: string;
  let rateOnly: string;

  beforeAll(async () => {
    redis = new ThrowawayRedis(await freePort());
    await redis.start();
    t = await startTestGateway({
      mutate: (c) => {
        c.limits.store = redis.url;
        c.limits.on_limiter_failure = "local";
        c.limits.replicas = 2;
        c.tenants["startup-xyz"]!.budget = { daily_limit_usd: 10, alert_threshold_percent: 80 };
        c.tenants["internal-dev"]!.rate_limits = { requests_per_minute: 4 };
      },
    });
    budgeted = await t.key("startup-xyz");
    rateOnly = await t.key("internal-dev");
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  const send = (key: string) =>
    fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
    });

  it("refuses budgeted tenants (fail closed), keeps rate-limited ones at their local share, then resumes", async () => {
    expect((await send(budgeted)).status).toBe(200);
    expect((await send(rateOnly)).status).toBe(200);
    await redis.stop();

    const before = t.sim.stats().requestsTotal;
    const refused = await send(budgeted);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("limiter_unavailable");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(t.sim.stats().requestsTotal).toBe(before); // nothing reached the engine

    // 4/min shared by 2 replicas: this replica alone may admit 2 in the outage
    const local = [];
    for (let i = 0; i < 4; i++) local.push((await send(rateOnly)).status);
    expect(local).toEqual([200, 200, 429, 429]);

    await redis.start();
    await eventually(() => t.gateway.admission.pendingSettlements === 0, 10_000);
    let status = 0;
    await eventually(
      () => status === 200,
      10_000,
      async () => {
        status = (await send(budgeted)).status;
      },
    );
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/llm_limiter_errors_total\{operation="admit"\} [1-9]/);
    expect(metrics).toMatch(
      /llm_rate_limit_rejections_total\{tenant="startup-xyz",reason="limiter_unavailable"\} [1-9]/,
    );
  });
});
