import { z } from "zod";
import type { UsageDimension } from "../../store/port.js";
import {
  buildInvoice,
  invoiceJson,
  invoiceRows,
  INVOICE_CSV_HEADER,
  monthRange,
} from "../../usage/invoice.js";
import { defaultUsagePeriod, usageReportJson, USAGE_DIMENSIONS } from "../../usage/usage-report.js";
import { csv } from "../../cli/format.js";
import { ApiError } from "../../errors.js";
import { route, type AnyRoute } from "./route.js";

const time = z.iso.datetime({ offset: true }).or(z.iso.date());
const instant = (v: string): Date => new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);

const usageQuery = z.strictObject({
  from: time.optional().meta({ description: "Inclusive start (default: the start of this UTC month)." }),
  to: time.optional().meta({ description: "Exclusive end (default: the end of the current UTC hour)." }),
  group_by: z
    .string()
    .regex(new RegExp(`^(${USAGE_DIMENSIONS.join("|")})(,(${USAGE_DIMENSIONS.join("|")}))*$`))
    .optional()
    .meta({ description: `Comma-separated: ${USAGE_DIMENSIONS.join(", ")} (default: model).` }),
});

const usageRow = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));
const usageReport = z.strictObject({
  tenant: z.string(),
  from: z.string(),
  to: z.string(),
  group_by: z.array(z.string()),
  rows: z.array(usageRow),
  totals: usageRow,
});

const invoiceQuery = z.strictObject({ format: z.enum(["json", "csv"]).default("json") });
const invoice = z.record(z.string(), z.unknown()).meta({ description: "The invoice (see docs/billing.md)." });

/** Usage and invoices from the ledger (the same reports as `tollgate usage` and `tollgate invoice`). */
export function usageRoutes(): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/tenants/{tenant}/usage",
      summary: "A tenant's usage from the ledger, grouped",
      tag: "usage",
      permission: "usage:read",
      query: usageQuery,
      response: usageReport,
      async handler(ctx) {
        const period = defaultUsagePeriod(ctx.now);
        const from = ctx.query.from === undefined ? period.from : instant(ctx.query.from);
        const to = ctx.query.to === undefined ? period.to : instant(ctx.query.to);
        if (to <= from) throw new ApiError("invalid_request", "'to' must be after 'from'.", "to");
        const by = [...new Set((ctx.query.group_by ?? "model").split(","))] as UsageDimension[];
        const rows = await ctx.deps.store.ledger.totals({ tenantId: ctx.tenant.id, from, to, by });
        return usageReportJson(ctx.tenant.id, from, to, by, rows);
      },
    }),
    route({
      method: "GET",
      path: "/tenants/{tenant}/invoices/{month}",
      summary: "A tenant's invoice for a UTC month (YYYY-MM), as JSON or CSV",
      tag: "usage",
      permission: "invoices:read",
      query: invoiceQuery,
      response: invoice,
      produces: ["text/csv"],
      async handler(ctx) {
        const month = ctx.params.month!;
        if (monthRange(month) === undefined) {
          throw new ApiError("invalid_request", `Not a month: '${month}' (expected YYYY-MM).`, "month");
        }
        const inv = await buildInvoice(ctx.deps.store.ledger, ctx.tenant.id, month, ctx.now);
        if (ctx.query.format === "json") return invoiceJson(inv);
        void ctx.reply.type("text/csv; charset=utf-8");
        return csv(INVOICE_CSV_HEADER, invoiceRows(inv)) + "\n";
      },
    }),
  ];
}
