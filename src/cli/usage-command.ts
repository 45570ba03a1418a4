import { Command, Option } from "commander";
import type { UsageDimension, UsageTotals } from "../store/port.js";
import { usdText } from "../usage/money.js";
import {
  defaultUsagePeriod,
  usageReportJson,
  usageRowFromJson,
  usageTotal,
  USAGE_DIMENSIONS,
} from "../usage/usage-report.js";
import { AdminClient, run, useApi } from "./admin-client.js";
import { csv, table } from "./format.js";
import { configOption, loadConfigOrExit } from "./options.js";
import { reconcileCommand } from "./reconcile-command.js";
import { knownTenant, parseChoice, parseInstant, usageError, withStore } from "./report-options.js";

const DIMENSIONS = USAGE_DIMENSIONS;

interface UsageOptions {
  config: string;
  url?: string;
  adminKey?: string;
  tenant?: string;
  from?: Date;
  to?: Date;
  groupBy: UsageDimension[];
  format: "table" | "json" | "csv";
}

function parseGroups(value: string): UsageDimension[] {
  const names = value.split(",").map((v) => v.trim());
  for (const n of names) {
    if (!(DIMENSIONS as string[]).includes(n))
      throw usageError(`expected ${DIMENSIONS.join(", ")} (comma-separated)`);
  }
  return [...new Set(names as UsageDimension[])];
}

const COLUMNS = ["requests", "failed", "input_tokens", "cached_input_tokens", "output_tokens", "cost_usd"];

const cells = (t: UsageTotals): string[] => [
  String(t.requests),
  String(t.failed),
  String(t.inputTokens),
  String(t.cachedTokens),
  String(t.outputTokens),
  usdText(t.costMicros),
];

/** `tollgate usage`: a tenant's usage between two times, grouped; `usage reconcile` checks the counters. */
export function usageCommand(): Command {
  return (
    new Command("usage")
      .description("a tenant's usage from the ledger (default: this UTC month, by model)")
      .addOption(configOption())
      // not a commander "required" option: `usage reconcile` must parse without it
      .option("-t, --tenant <id>", "tenant id (required)")
      .option("--from <time>", "start, inclusive (default: the start of this UTC month)", parseInstant)
      .option("--to <time>", "end, exclusive (default: the end of the current UTC hour)", parseInstant)
      .addOption(
        new Option("-g, --group-by <dims>", `${DIMENSIONS.join("|")}, comma-separated`)
          .argParser(parseGroups)
          .default(["model"]),
      )
      .addOption(
        new Option("-f, --format <format>", "table, json or csv")
          .argParser(parseChoice(["table", "json", "csv"]))
          .default("table"),
      )
      .addOption(
        new Option("--url <url>", "a running gateway's admin API (else the store of --config)").env(
          "TOLLGATE_URL",
        ),
      )
      .addOption(new Option("--admin-key <key>", "admin API key or OIDC token").env("TOLLGATE_ADMIN_KEY"))
      .action(
        run(async (opts: UsageOptions, command: Command) => {
          if (opts.tenant === undefined)
            command.error("error: required option '-t, --tenant <id>' not specified", { exitCode: 2 });
          const tenant = opts.tenant;
          const period = defaultUsagePeriod(new Date());
          const from = opts.from ?? period.from;
          const to = opts.to ?? period.to;
          if (to <= from) throw usageError("--to must be after --from");
          const by = opts.groupBy;
          let rows: UsageTotals[];
          if (useApi(command)) {
            const q = new URLSearchParams({
              from: from.toISOString(),
              to: to.toISOString(),
              group_by: by.join(","),
            });
            const report = await AdminClient.from(opts).request<ReturnType<typeof usageReportJson>>(
              "GET",
              `/tenants/${encodeURIComponent(tenant)}/usage?${q.toString()}`,
            );
            rows = report.rows.map((r) => usageRowFromJson(r, by));
          } else {
            const config = await loadConfigOrExit(opts.config);
            rows = await withStore(config, async (store) => {
              await knownTenant(config, store, tenant);
              return store.ledger.totals({ tenantId: tenant, from, to, by });
            });
          }
          if (opts.format === "json") {
            console.log(JSON.stringify(usageReportJson(tenant, from, to, by, rows), null, 2));
            return;
          }
          const header = [...by, ...COLUMNS];
          const body = rows.map((r) => [...by.map((d) => r.group[d] ?? "-"), ...cells(r)]);
          if (opts.format === "csv") {
            console.log(csv(header, body));
            return;
          }
          console.log(`usage of ${tenant} from ${from.toISOString()} to ${to.toISOString()}`);
          console.log(
            table(header, [
              ...body,
              [...by.map((_d, i) => (i === 0 ? "TOTAL" : "")), ...cells(usageTotal(rows))],
            ]),
          );
        }),
      )
      .addCommand(reconcileCommand())
  );
}
