import { Command, Option } from "commander";
import { buildInvoice, invoiceJson, invoiceRows, INVOICE_CSV_HEADER, monthRange } from "../usage/invoice.js";
import { csv } from "./format.js";
import { configOption, loadConfigOrExit } from "./options.js";
import { AdminClient, run, useApi } from "./admin-client.js";
import { knownTenant, parseChoice, usageError, withStore } from "./report-options.js";

interface InvoiceOptions {
  config: string;
  url?: string;
  adminKey?: string;
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
    .addOption(
      new Option("--url <url>", "a running gateway's admin API (else the store of --config)").env(
        "TOLLGATE_URL",
      ),
    )
    .addOption(new Option("--admin-key <key>", "admin API key or OIDC token").env("TOLLGATE_ADMIN_KEY"))
    .action(
      run(async (opts: InvoiceOptions, command: Command) => {
        if (useApi(command)) {
          const path = `/tenants/${encodeURIComponent(opts.tenant)}/invoices/${opts.month}?format=${opts.format}`;
          const text = await AdminClient.from(opts).raw("GET", path);
          console.log(opts.format === "csv" ? text.trimEnd() : JSON.stringify(JSON.parse(text), null, 2));
          return;
        }
        const config = await loadConfigOrExit(opts.config);
        const invoice = await withStore(config, async (store) => {
          await knownTenant(config, store, opts.tenant);
          return buildInvoice(store.ledger, opts.tenant, opts.month, new Date());
        });
        if (opts.format === "csv") console.log(csv(INVOICE_CSV_HEADER, invoiceRows(invoice)));
        else console.log(JSON.stringify(invoiceJson(invoice), null, 2));
      }),
    );
}
