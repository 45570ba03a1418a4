import { describe, expect, it } from "vitest";
import type { Store, UsageDimension } from "../../src/store/port.js";
import { hourOf } from "../../src/usage/rollup.js";
import type { UsageEvent } from "../../src/usage/usage-event.js";
import { usageEvent } from "../usage/events.js";
import { backends, useBackend } from "./backends.js";

const NOV = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-12-01T00:00:00Z") };
const P1 = { inputPer1k: 500, outputPer1k: 1500, cachedInputPer1k: 250 };
const P2 = { inputPer1k: 400, outputPer1k: 1200, cachedInputPer1k: 200 };

/** A deterministic mix: two tenants, three models, two prices, keys, users, features, failures. */
function events(n: number, tenantId: string, seed: number): UsageEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i * 7 + seed;
    const failed = k % 11 === 0;
    return usageEvent({
      requestId: `${tenantId}-${seed}-${i}`,
      tenantId,
      time: new Date(Date.UTC(2026, 10, 1 + (k % 28), k % 24, (k * 13) % 60, (k * 17) % 60, k % 1000)),
      keyId: `key_${k % 3}`,
      user: k % 5 === 0 ? null : `user_${k % 4}`,
      feature: k % 2 === 0 ? "search" : "chat",
      model: failed && k % 2 === 0 ? null : ["llama-3.1-8b", "llama-3.1-70b", "nomic-embed-text"][k % 3]!,
      usage: failed
        ? { input: 0, output: 0, cached: 0 }
        : { input: 10 + (k % 90), output: k % 40, cached: k % 8 },
      costMicros: failed ? 0 : 50 + (k % 500),
      price: failed && k % 2 === 0 ? null : k % 28 < 14 ? P1 : P2,
      status: failed ? 429 : 200,
      errorCode: failed ? "rate_limit_exceeded" : null,
    });
  });
}

const sum = (list: UsageEvent[], f: (e: UsageEvent) => number) => list.reduce((s, e) => s + f(e), 0);

describe.each(backends)("ledger contract: $name", (backend) => {
  let store: Store;
  const acme = events(1200, "acme", 1); // more than one multi-row statement
  const globex = events(300, "globex", 2);

  useBackend(backend, async (opened) => {
    store = opened.store;
    const mixed = [...acme.slice(0, 600), ...globex, ...acme.slice(600)];
    expect(await store.ledger.append(mixed)).toBe(1500);
  });

  it.skipIf(!backend.available)(
    "is idempotent on request id: a replayed batch adds nothing, not even to rollups",
    async () => {
      const before = await store.ledger.totals({ tenantId: "acme", ...NOV, by: [] });
      expect(await store.ledger.append([...acme.slice(100, 400), acme[5]!, acme[5]!])).toBe(0);
      expect(await store.ledger.totals({ tenantId: "acme", ...NOV, by: [] })).toEqual(before);
      expect(before).toEqual([
        {
          group: {},
          requests: 1200,
          failed: acme.filter((e) => e.status >= 400).length,
          inputTokens: sum(acme, (e) => e.usage.input),
          outputTokens: sum(acme, (e) => e.usage.output),
          cachedTokens: sum(acme, (e) => e.usage.cached),
          costMicros: sum(acme, (e) => e.costMicros),
        },
      ]);
    },
  );

  it.skipIf(!backend.available)(
    "keeps the hourly rollups equal to the events, by model, hour and day",
    async () => {
      for (const by of [["model"], ["hour"], ["day", "model"], []] as UsageDimension[][]) {
        const fromRollups = await store.ledger.totals({ tenantId: "acme", ...NOV, by, source: "rollups" });
        const fromEvents = await store.ledger.totals({ tenantId: "acme", ...NOV, by, source: "events" });
        expect(fromRollups).toEqual(fromEvents);
      }
      const hours = await store.ledger.totals({ tenantId: "acme", ...NOV, by: ["hour"] });
      expect(hours.map((h) => h.group.hour)).toEqual([...new Set(acme.map((e) => hourOf(e.time)))].sort());
    },
  );

  it.skipIf(!backend.available)(
    "groups by key, user and feature from the events (null when absent)",
    async () => {
      const byUser = await store.ledger.totals({ tenantId: "acme", ...NOV, by: ["user"] });
      const expected = new Map<string | null, number>();
      for (const e of acme) expected.set(e.user, (expected.get(e.user) ?? 0) + e.costMicros);
      expect(new Map(byUser.map((r) => [r.group.user ?? null, r.costMicros]))).toEqual(expected);
      const byKeyFeature = await store.ledger.totals({ tenantId: "acme", ...NOV, by: ["key", "feature"] });
      expect(byKeyFeature).toHaveLength(6);
      expect(sum(acme, () => 1)).toBe(byKeyFeature.reduce((s, r) => s + r.requests, 0));
    },
  );

  it.skipIf(!backend.available)(
    "bounds ranges in UTC: an event at 14:00:00.000 is in the 14:00 hour",
    async () => {
      const edge = [
        usageEvent({ requestId: "edge-1", tenantId: "edge", time: new Date("2026-11-25T13:59:59.999Z") }),
        usageEvent({ requestId: "edge-2", tenantId: "edge", time: new Date("2026-11-25T14:00:00.000Z") }),
      ];
      await store.ledger.append(edge);
      const hour = { from: new Date("2026-11-25T14:00:00Z"), to: new Date("2026-11-25T15:00:00Z") };
      for (const source of ["rollups", "events"] as const) {
        const [t] = await store.ledger.totals({ tenantId: "edge", ...hour, by: [], source });
        expect(t?.requests).toBe(1);
      }
    },
  );

  it.skipIf(!backend.available)(
    "prices invoice lines per model and unit price, leaving out requests without a model",
    async () => {
      const lines = await store.ledger.priced("acme", NOV.from, NOV.to);
      const modelled = acme.filter((e) => e.model !== null);
      expect(lines.reduce((s, l) => s + l.requests, 0)).toBe(modelled.length);
      expect(lines.reduce((s, l) => s + l.costMicros, 0)).toBe(sum(acme, (e) => e.costMicros));
      const eight = lines.filter((l) => l.model === "llama-3.1-8b");
      expect(eight.map((l) => l.price).sort((a, b) => a.inputPer1k - b.inputPer1k)).toEqual([P2, P1]);
      expect(lines.map((l) => l.model)).toEqual([...lines.map((l) => l.model)].sort());
    },
  );

  it.skipIf(!backend.available)("gives events back as they were recorded, oldest first", async () => {
    const stored = await store.ledger.events("globex", NOV.from, NOV.to);
    const expected = [...globex].sort(
      (a, b) => a.time.getTime() - b.time.getTime() || (a.requestId < b.requestId ? -1 : 1),
    );
    expect(stored).toEqual(expected);
  });

  it.skipIf(!backend.available)("never returns another tenant's rows", async () => {
    const [g] = await store.ledger.totals({ tenantId: "globex", ...NOV, by: [] });
    expect(g?.requests).toBe(300);
    expect(await store.ledger.totals({ tenantId: "nobody", ...NOV, by: ["model"] })).toEqual([]);
    expect(await store.ledger.events("nobody", NOV.from, NOV.to)).toEqual([]);
    expect(await store.ledger.priced("nobody", NOV.from, NOV.to)).toEqual([]);
  });
});
