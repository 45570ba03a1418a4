import { Command, Option } from "commander";
import { buildInvoice, invoiceJson, invoiceRows, INVOICE_CSV_HEADER, monthRange } from "../usage/invoice.js";
import { csv } from "./format.js";
import { configOption, loadConfigOrExit } from "./options.js";
import { checkTenant, parseChoice, usageError, withStore } from "./report-options.js";

interface InvoiceOptions {
  config: string;
  tenant: string;
  month: string;
  format: "json" | "csv";
}

const parseMonth = (value: string): string => {
  if (monthRange(value) === undefined) throw usageError('expected a month such as "2026-11"');
  return value;
};

/** `tollgate invoice`: a tenant's month from the ledger's hourly rollups, per model and unit price. */
export function invoiceCommand(): Command {
  return new Command("invoice")
    .description("a tenant's invoice for one UTC month: line items per model and unit price, and totals")
    .addOption(configOption())
    .requiredOption("-t, --tenant <id>", "tenant id")
    .requiredOption("-m, --month <YYYY-MM>", "billing month (UTC)", parseMonth)
    .addOption(
      new Option("-f, --format <format>", "json or csv")
        .argParser(parseChoice(["json", "csv"]))
        .default("json"),
    )
    .action(async (opts: InvoiceOptions) => {
      const config = await loadConfigOrExit(opts.config);
      checkTenant(config, opts.tenant);
      const invoice = await withStore(config, (store) =>
        buildInvoice(store.ledger, opts.tenant, opts.month, new Date()),
      );
      if (opts.format === "csv") console.log(csv(INVOICE_CSV_HEADER, invoiceRows(invoice)));
      else console.log(JSON.stringify(invoiceJson(invoice), null, 2));
    });
}
