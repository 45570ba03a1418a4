import type { LedgerRepository, PricedTotals } from "../store/port.js";
import { microsToUsd } from "./pricing.js";
import { unitUsd, usdText } from "./money.js";

/**
 * A tenant's invoice for one UTC calendar month, from the hourly rollups: one line per model and unit
 * price (a mid-month price change gives the model two lines), tokens by kind, and the amounts the
 * requests were charged (each request rounded once, as the budgets counted it).
 */
export interface InvoiceLine {
  readonly model: string;
  /** USD per 1,000 tokens. */
  readonly unitPrices: { readonly input: number; readonly cachedInput: number; readonly output: number };
  readonly requests: number;
  readonly failedRequests: number;
  /** Prompt tokens not served from cache, cached prompt tokens, output tokens. */
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly outputTokens: number;
  readonly amountMicros: number;
}

export interface Invoice {
  readonly tenantId: string;
  readonly period: string;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly generatedAt: Date;
  readonly lines: readonly InvoiceLine[];
  readonly totals: Omit<InvoiceLine, "model" | "unitPrices">;
}

/** [start, end) of a "YYYY-MM" month in UTC; undefined if it is not one. */
export function monthRange(month: string): { from: Date; to: Date } | undefined {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: new Date(Date.UTC(year, index, 1)), to: new Date(Date.UTC(year, index + 1, 1)) };
}

function line(t: PricedTotals): InvoiceLine {
  return {
    model: t.model,
    unitPrices: {
      input: unitUsd(t.price.inputPer1k),
      cachedInput: unitUsd(t.price.cachedInputPer1k),
      output: unitUsd(t.price.outputPer1k),
    },
    requests: t.requests,
    failedRequests: t.failed,
    inputTokens: t.inputTokens - t.cachedTokens,
    cachedInputTokens: t.cachedTokens,
    outputTokens: t.outputTokens,
    amountMicros: t.costMicros,
  };
}

export async function buildInvoice(
  ledger: LedgerRepository,
  tenantId: string,
  month: string,
  now: Date,
): Promise<Invoice> {
  const range = monthRange(month);
  if (range === undefined) throw new Error(`not a month: "${month}" (expected YYYY-MM)`);
  const lines = (await ledger.priced(tenantId, range.from, range.to)).map(line);
  const total = (f: (l: InvoiceLine) => number) => lines.reduce((s, l) => s + f(l), 0);
  return {
    tenantId,
    period: month,
    periodStart: range.from,
    periodEnd: range.to,
    generatedAt: now,
    lines,
    totals: {
      requests: total((l) => l.requests),
      failedRequests: total((l) => l.failedRequests),
      inputTokens: total((l) => l.inputTokens),
      cachedInputTokens: total((l) => l.cachedInputTokens),
      outputTokens: total((l) => l.outputTokens),
      amountMicros: total((l) => l.amountMicros),
    },
  };
}

/** The invoice as JSON (snake_case, like the seed's billing export). */
export function invoiceJson(inv: Invoice): Record<string, unknown> {
  return {
    tenant_id: inv.tenantId,
    billing_period: inv.period,
    period_start: inv.periodStart.toISOString(),
    period_end: inv.periodEnd.toISOString(),
    generated_at: inv.generatedAt.toISOString(),
    currency: "usd",
    line_items: inv.lines.map((l) => ({
      model: l.model,
      unit_price_per_1k: {
        input: l.unitPrices.input,
        cached_input: l.unitPrices.cachedInput,
        output: l.unitPrices.output,
      },
      requests: l.requests,
      failed_requests: l.failedRequests,
      input_tokens: l.inputTokens,
      cached_input_tokens: l.cachedInputTokens,
      output_tokens: l.outputTokens,
      amount_usd: microsToUsd(l.amountMicros),
      amount_micros: l.amountMicros,
    })),
    summary: {
      total_requests: inv.totals.requests,
      failed_requests: inv.totals.failedRequests,
      input_tokens: inv.totals.inputTokens,
      cached_input_tokens: inv.totals.cachedInputTokens,
      output_tokens: inv.totals.outputTokens,
      total_usd: microsToUsd(inv.totals.amountMicros),
      total_micros: inv.totals.amountMicros,
    },
  };
}

export const INVOICE_CSV_HEADER = [
  "tenant_id",
  "billing_period",
  "model",
  "unit_input_usd_per_1k",
  "unit_cached_input_usd_per_1k",
  "unit_output_usd_per_1k",
  "requests",
  "failed_requests",
  "input_tokens",
  "cached_input_tokens",
  "output_tokens",
  "amount_usd",
];

/** CSV rows: one per line item, then a TOTAL row. */
export function invoiceRows(inv: Invoice): string[][] {
  const row = (
    model: string,
    l: Omit<InvoiceLine, "model" | "unitPrices">,
    p?: InvoiceLine["unitPrices"],
  ) => [
    inv.tenantId,
    inv.period,
    model,
    p === undefined ? "" : String(p.input),
    p === undefined ? "" : String(p.cachedInput),
    p === undefined ? "" : String(p.output),
    String(l.requests),
    String(l.failedRequests),
    String(l.inputTokens),
    String(l.cachedInputTokens),
    String(l.outputTokens),
    usdText(l.amountMicros),
  ];
  return [...inv.lines.map((l) => row(l.model, l, l.unitPrices)), row("TOTAL", inv.totals)];
}
