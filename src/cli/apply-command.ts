import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { parseDocument } from "yaml";
import { z } from "zod";
import { tenantId } from "../config/access-schema.js";
import { formatIssues, interpolateEnv } from "../config/load.js";
import { tenantSchema } from "../config/schema.js";
import { checkOverrides, checkTenant } from "../config/tenant-checks.js";
import { tenantAudit } from "../tenancy/admin-audit.js";
import { ApplyConflict, applyTenants, formatPlan } from "../tenancy/apply-tenants.js";
import { AdminClient, CliError, remoteOptions, run, useApi, type RemoteOptions } from "./admin-client.js";
import { withCliAudit } from "./cli-audit.js";
import { configOption, loadConfigOrExit } from "./options.js";
import { withStore } from "./report-options.js";

interface ApplyOptions extends RemoteOptions {
  file: string;
  config: string;
  dryRun?: boolean;
  prune?: boolean;
}

/** The file's `tenants:` (the seed's ConfigMap shape), with ${ENV} references resolved. */
async function readTenants(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 2);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new CliError(`${file}: ${doc.errors[0]!.message.split("\n")[0]}`, 2);
  const problems: string[] = [];
  const tree = interpolateEnv(doc.toJS() as unknown, process.env, problems);
  if (problems.length > 0) throw new CliError(`${file}:\n  - ${problems.join("\n  - ")}`, 2);
  const tenants = (tree as { tenants?: unknown } | null)?.tenants;
  if (tenants === null || typeof tenants !== "object" || Array.isArray(tenants)) {
    throw new CliError(`${file}: expected a "tenants:" mapping of tenant ids (like examples/quotas.yaml)`, 2);
  }
  return tenants as Record<string, unknown>;
}

/**
 * `tollgate apply -f quotas.yaml`: config-as-code into the store, printing the diff. With `--url`
 * through a running gateway's admin API (recorded in its audit trail); otherwise straight into the
 * store of `--config`, checked against that config's models.
 */
export function applyCommand(): Command {
  return remoteOptions(
    new Command("apply")
      .description(
        "sync tenants (and their keys by hash) from a file into the store; idempotent; prints the diff",
      )
      .requiredOption("-f, --file <file>", "YAML with a tenants: mapping (the seed's ConfigMap shape)")
      .option("--dry-run", "print what would change, change nothing")
      .option("--prune", "also delete tenants managed by config-as-code that the file no longer has")
      .addOption(configOption()),
  ).action(
    run(async (opts: ApplyOptions, cmd: Command) => {
      const raw = await readTenants(opts.file);
      const flags = { dry_run: opts.dryRun === true, prune: opts.prune === true };
      if (useApi(cmd)) {
        const r = await AdminClient.from(opts).request<{ text: string[] }>("POST", "/apply", {
          tenants: raw,
          ...flags,
        });
        console.log(opts.json ? JSON.stringify(r, null, 2) : r.text.join("\n"));
        return;
      }
      const config = await loadConfigOrExit(opts.config);
      const parsed = z.record(tenantId, tenantSchema).safeParse(raw);
      if (!parsed.success)
        throw new CliError(`${opts.file}:\n  - ${formatIssues(parsed.error.issues).join("\n  - ")}`, 2);
      const problems: string[] = [];
      for (const [id, t] of Object.entries(parsed.data)) {
        const issue = (path: (string | number)[], message: string) =>
          problems.push(`tenants.${id}.${path.join(".")}: ${message}`);
        checkTenant(t, config.models, issue);
        checkOverrides(t, issue);
      }
      if (problems.length > 0) throw new CliError(`${opts.file}:\n  - ${problems.join("\n  - ")}`, 2);
      const plan = await withStore(config, (store) => {
        const options = { dryRun: flags.dry_run, prune: flags.prune };
        if (flags.dry_run) return applyTenants(store, parsed.data, options);
        // each tenant's change audited as the admin API's apply audits it
        return withCliAudit(store, (audit, actor) =>
          applyTenants(store, parsed.data, {
            ...options,
            onApplied: (p) => audit.record(tenantAudit(actor, "tenant.apply", p)),
          }),
        );
      }).catch((err: unknown) => {
        throw err instanceof ApplyConflict ? new CliError(err.message) : err;
      });
      console.log(opts.json ? JSON.stringify(plan, null, 2) : formatPlan(plan, flags.dry_run).join("\n"));
    }),
  );
}
