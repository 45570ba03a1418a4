import { dayKey, monthKey } from "../admission/periods.js";
import type { LedgerRepository } from "../store/port.js";
import type { TenantPolicy } from "../tenancy/policy.js";

/**
 * Compares the admission counters (what budgets and quotas enforce) with the ledger (what invoices
 * bill), per tenant, for the current UTC day and month. Tokens are input + output, money is integer
 * micro-dollars, as admission counts them. Only tenants with limits have counters.
 */

export interface CounterReader {
  usage(
    scope: string,
    now: number,
  ): Promise<{ dailyMicros: number; monthlyMicros: number; dailyTokens: number; monthlyTokens: number }>;
}

export interface Amounts {
  readonly tokens: number;
  readonly micros: number;
}

export interface ReconcileRow {
  readonly tenantId: string;
  readonly period: string;
  readonly counters: Amounts;
  readonly ledger: Amounts;
  readonly drift: boolean;
}

const HOUR_MS = 3_600_000;

/** Whether admission keeps counters for this tenant (its own scope has some limit). */
export function hasCounters(t: TenantPolicy): boolean {
  return [
    t.rateLimits.requestsPerMinute,
    t.rateLimits.tokensPerMinute,
    t.rateLimits.concurrentRequests,
    t.dailyTokenLimit,
    t.monthlyTokenLimit,
    t.budget.dailyMicros,
    t.budget.monthlyMicros,
  ].some((v) => v !== undefined);
}

async function ledgerAmounts(
  ledger: LedgerRepository,
  tenantId: string,
  from: number,
  to: number,
): Promise<Amounts> {
  const [t] = await ledger.totals({ tenantId, from: new Date(from), to: new Date(to), by: [] });
  return { tokens: (t?.inputTokens ?? 0) + (t?.outputTokens ?? 0), micros: t?.costMicros ?? 0 };
}

export async function reconcile(
  ledger: LedgerRepository,
  counters: CounterReader,
  tenants: readonly TenantPolicy[],
  now: number,
): Promise<ReconcileRow[]> {
  const d = new Date(now);
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS; // the rollups' current hour included
  const rows: ReconcileRow[] = [];
  for (const tenant of tenants.filter(hasCounters)) {
    const c = await counters.usage(`tenant:${tenant.id}`, now);
    const day = await ledgerAmounts(ledger, tenant.id, dayStart, end);
    const month = await ledgerAmounts(ledger, tenant.id, monthStart, end);
    const row = (period: string, counted: Amounts, billed: Amounts): ReconcileRow => ({
      tenantId: tenant.id,
      period,
      counters: counted,
      ledger: billed,
      drift: counted.tokens !== billed.tokens || counted.micros !== billed.micros,
    });
    rows.push(row(dayKey(now), { tokens: c.dailyTokens, micros: c.dailyMicros }, day));
    rows.push(row(monthKey(now), { tokens: c.monthlyTokens, micros: c.monthlyMicros }, month));
  }
  return rows;
}
