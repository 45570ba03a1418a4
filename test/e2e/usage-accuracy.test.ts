import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { costMicros } from "../../src/usage/pricing.js";
import type { UsageEvent } from "../../src/usage/usage-event.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { call, type Outcome } from "./usage-calls.js";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const DAY = { from: new Date("2026-11-25T00:00:00Z"), to: new Date("2026-11-26T00:00:00Z") };
const TENANTS = ["acme-corp", "startup-xyz", "internal-dev"] as const;

/** A small seeded PRNG, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Kind = "chat" | "stream" | "embed" | "abort" | "refused";

describe("usage accuracy: ledger = engine-reported usage = admission counters", () => {
  let t: TestGateway;
  const keys = new Map<string, string>();
  const outcomes: (Outcome & { tenant: string; kind: Kind })[] = [];

  beforeAll(async () => {
    t = await startTestGateway({
      sim: { itlMs: 2, errorRate: 0.1, seed: 11 },
      gateway: { clock: () => NOW },
      mutate: (c) => {
        for (const id of TENANTS) {
          c.tenants[id]!.rate_limits = { requests_per_minute: 100_000 };
          c.tenants[id]!.budget = {
            daily_limit_usd: 100,
            monthly_limit_usd: 1000,
            alert_threshold_percent: 100,
          };
        }
      },
    });
    for (const id of TENANTS) keys.set(id, await t.key(id));
    const next = random(Number(process.env.TOLLGATE_TEST_SEED ?? 20261125));
    const plan = Array.from({ length: 90 }, () => {
      const tenant = TENANTS[Math.floor(next() * 3)]!;
      const kinds: Kind[] =
        tenant === "internal-dev"
          ? ["chat", "stream", "abort", "refused"]
          : ["chat", "stream", "embed", "abort", "refused"];
      return {
        tenant,
        kind: kinds[Math.floor(next() * kinds.length)]!,
        tokens: 4 + Math.floor(next() * 40),
        n: next(),
      };
    });
    let i = 0;
    const worker = async () => {
      while (i < plan.length) {
        const p = plan[i++]!;
        outcomes.push({
          ...(await call(t.url, keys.get(p.tenant)!, p.kind, p.tokens, `message ${p.n}`, p.tenant)),
          ...p,
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await t.gateway.ledger.flush(10_000);
  });
  afterAll(() => t?.close());

  const stored = async (tenant: string) => t.gateway.store.ledger.events(tenant, DAY.from, DAY.to);

  it("stores one event per request, whatever its outcome, with the engine's exact usage for completed ones", async () => {
    const all = (await Promise.all(TENANTS.map(stored))).flat();
    expect(all.map((e) => e.requestId).sort()).toEqual(outcomes.map((o) => o.requestId).sort());
    const byId = new Map(all.map((e) => [e.requestId, e]));
    const kinds = new Set(outcomes.map((o) => `${o.kind}:${o.status}`));
    for (const o of outcomes) {
      const e = byId.get(o.requestId)!;
      expect(e.tenantId).toBe(o.tenant);
      expect(e.status).toBe(o.status);
      if (o.reported !== null) {
        // completed: exactly what the engine reported, priced at the model's rates
        expect(e.usage).toEqual(o.reported);
        expect(e.costMicros).toBe(costMicros(e.price!, e.usage));
      }
      if (o.status >= 400 && o.status !== 499) expect(e.usage).toEqual({ input: 0, output: 0, cached: 0 });
      if (o.aborted) expect(e).toMatchObject({ clientAborted: true, status: 499 });
    }
    // the mix really had every kind of outcome
    expect(outcomes.some((o) => o.aborted)).toBe(true);
    expect(outcomes.some((o) => o.status === 500)).toBe(true);
    expect(outcomes.some((o) => o.status === 403)).toBe(true);
    expect(outcomes.some((o) => o.kind === "stream" && o.status === 200)).toBe(true);
    expect(kinds.size).toBeGreaterThan(4);
  });

  it("sums per tenant to what the gateway settled, what the engine reported, and what admission counted", async () => {
    const settled = (tenant: string): UsageEvent[] => t.events.filter((e) => e.tenantId === tenant);
    for (const tenant of TENANTS) {
      const [ledger] = await t.gateway.store.ledger.totals({ tenantId: tenant, ...DAY, by: [] });
      const events = settled(tenant);
      const sum = (f: (e: UsageEvent) => number) => events.reduce((s, e) => s + f(e), 0);
      expect(ledger).toMatchObject({
        requests: outcomes.filter((o) => o.tenant === tenant).length,
        inputTokens: sum((e) => e.usage.input),
        outputTokens: sum((e) => e.usage.output),
        cachedTokens: sum((e) => e.usage.cached),
        costMicros: sum((e) => e.costMicros),
      });
      const reported = outcomes.filter((o) => o.tenant === tenant && o.reported !== null);
      const completedIds = new Set(reported.map((o) => o.requestId));
      const completedLedger = (await stored(tenant)).filter((e) => completedIds.has(e.requestId));
      expect(completedLedger.reduce((s, e) => s + e.usage.input + e.usage.output, 0)).toBe(
        reported.reduce((s, o) => s + o.reported!.input + o.reported!.output, 0),
      );
      let spend = await t.gateway.admission.spendOf(tenant);
      for (let i = 0; i < 100 && spend.dailyMicros !== ledger!.costMicros; i++) {
        await new Promise((r) => setTimeout(r, 20)); // settlements are asynchronous
        spend = await t.gateway.admission.spendOf(tenant);
      }
      expect(spend).toMatchObject({
        dailyMicros: ledger!.costMicros,
        monthlyMicros: ledger!.costMicros,
        dailyTokens: ledger!.inputTokens + ledger!.outputTokens,
        monthlyTokens: ledger!.inputTokens + ledger!.outputTokens,
      });
    }
  });
});
