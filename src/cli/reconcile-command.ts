import { Command } from "commander";
import { openLimiter } from "../admission/open-limiter.js";
import { usdText } from "../usage/money.js";
import { reconcile, type ReconcileRow } from "../usage/reconcile.js";
import { table } from "./format.js";
import { configOption, loadConfigOrExit } from "./options.js";
import { knownTenant, parseInstant, storedPolicies, withStore } from "./report-options.js";

interface ReconcileOptions {
  config: string;
  tenant?: string;
  at?: Date;
  json?: boolean;
}

const view = (r: ReconcileRow) => ({
  tenant: r.tenantId,
  period: r.period,
  counter_tokens: r.counters.tokens,
  ledger_tokens: r.ledger.tokens,
  counter_usd: usdText(r.counters.micros),
  ledger_usd: usdText(r.ledger.micros),
  drift: r.drift,
});

/**
 * `tollgate usage reconcile`: the admission counters of `limits.store` against the ledger's day and
 * month sums, per tenant with limits. Exit status 1 when any differ.
 */
export function reconcileCommand(): Command {
  return new Command("reconcile")
    .description("compare the admission counters (limits.store) with the ledger; exit 1 on drift")
    .addOption(configOption())
    .option("-t, --tenant <id>", "one tenant (default: every tenant with limits)")
    .option("--at <time>", "the moment whose UTC day and month are compared (default: now)", parseInstant)
    .option("--json", "print JSON")
    .action(async (_local: ReconcileOptions, command: Command) => {
      // `usage` has --config and --tenant too and takes them wherever they appear: merge its values
      const opts = command.optsWithGlobals<ReconcileOptions>();
      const config = await loadConfigOrExit(opts.config);
      if (config.limits.store === "memory") {
        console.error(
          "limits.store is memory: the admission counters live inside the gateway process and cannot be read " +
            "from here. Reconcile needs a shared limits.store (redis://…).",
        );
        process.exit(2);
      }
      const limiter = openLimiter(config.limits);
      let rows: ReconcileRow[];
      try {
        rows = await withStore(config, async (store) => {
          if (opts.tenant !== undefined) await knownTenant(config, store, opts.tenant);
          const policies = await storedPolicies(config, store);
          const tenants = [...policies.values()].filter(
            (t) => opts.tenant === undefined || t.id === opts.tenant,
          );
          return reconcile(store.ledger, limiter, tenants, (opts.at ?? new Date()).getTime());
        });
      } finally {
        await limiter.close();
      }
      const drifted = rows.filter((r) => r.drift);
      if (opts.json)
        console.log(JSON.stringify({ drift: drifted.length > 0, rows: rows.map(view) }, null, 2));
      else {
        const cells = rows
          .map(view)
          .map((v) => [
            v.tenant,
            v.period,
            String(v.counter_tokens),
            String(v.ledger_tokens),
            v.counter_usd,
            v.ledger_usd,
            v.drift ? "DRIFT" : "ok",
          ]);
        console.log(
          table(
            ["tenant", "period", "counter_tokens", "ledger_tokens", "counter_usd", "ledger_usd", ""],
            cells,
          ),
        );
        if (rows.length === 0) console.log("no tenant has limits: nothing to reconcile");
        if (drifted.length > 0) {
          console.log(
            `\n${drifted.length} period(s) differ. Events still in a gateway's journal (llm_usage_journal_backlog_events) are not in the ledger yet.`,
          );
        }
      }
      if (drifted.length > 0) process.exitCode = 1;
    });
}
