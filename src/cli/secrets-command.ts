import { Command } from "commander";
import type { Config } from "../config/schema.js";
import { openProviderSecrets } from "../secrets/open-secrets.js";
import type { ProviderSecrets } from "../secrets/provider-secrets.js";
import type { Store } from "../store/port.js";
import { adminEntry } from "../tenancy/admin-audit.js";
import { withCliAudit } from "./cli-audit.js";
import { table } from "./format.js";
import { configOption, loadConfigOrExit } from "./options.js";
import { usageError, withStore } from "./report-options.js";

interface Base {
  config: string;
  json?: boolean;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw usageError("pipe the secret on stdin (it is never taken as an argument) or use --from-env");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

async function withSecrets<T>(
  opts: Base,
  fn: (secrets: ProviderSecrets, store: Store, config: Config) => Promise<T>,
): Promise<T> {
  const config = await loadConfigOrExit(opts.config);
  return withStore(config, async (store) =>
    fn((await openProviderSecrets(config, store.secrets)).secrets, store, config),
  );
}

/** A tenant of the config or of the store (created through the admin API); else false (exit 2). */
async function knownTenant(config: Config, store: Store, tenant: string): Promise<boolean> {
  if (tenant in config.tenants || (await store.tenants.get(tenant)) !== undefined) return true;
  console.error(`unknown tenant "${tenant}"`);
  process.exitCode = 2;
  return false;
}

/** `tollgate secrets`: tenants' provider credentials in the store (set from stdin, list names, delete, rotate). */
export function secretsCommand(): Command {
  const cmd = new Command("secrets").description(
    "tenants' provider secrets (bring your own key), sealed in the store",
  );
  cmd
    .command("set")
    .description("store a tenant's secret, read from stdin (or --from-env); never printed back")
    .addOption(configOption())
    .requiredOption("-t, --tenant <id>", "tenant id")
    .requiredOption("-n, --name <name>", "secret name (what models' upstream_auth.tenant_secret names)")
    .option("--from-env <var>", "read the value from this environment variable instead of stdin")
    .action(async (opts: Base & { tenant: string; name: string; fromEnv?: string }) => {
      const value = opts.fromEnv === undefined ? await readStdin() : process.env[opts.fromEnv];
      if (value === undefined) throw usageError(`environment variable ${opts.fromEnv} is not set`);
      await withSecrets(opts, async (secrets, store, config) => {
        if (!(await knownTenant(config, store, opts.tenant))) return;
        const { created, meta } = await withCliAudit(store, async (audit, actor) => {
          const result = await secrets.set(opts.tenant, opts.name, value);
          audit.record(
            adminEntry(actor, "secret.set", {
              tenant: opts.tenant,
              target: `secret:${opts.name}`,
              data: { created: result.created, key_id: result.meta.keyId },
            }),
          );
          return result;
        });
        console.log(
          `${created ? "created" : "replaced"} secret ${meta.name} of tenant ${opts.tenant} (key ${meta.keyId})`,
        );
      });
    });
  cmd
    .command("list")
    .description("a tenant's secrets: names and metadata, never values")
    .addOption(configOption())
    .requiredOption("-t, --tenant <id>", "tenant id")
    .option("--json", "print JSON")
    .action(async (opts: Base & { tenant: string }) => {
      const rows = await withSecrets(opts, async (secrets, store, config) =>
        (await knownTenant(config, store, opts.tenant)) ? secrets.list(opts.tenant) : null,
      );
      if (rows === null) return;
      const out = rows.map((r) => ({
        name: r.name,
        key_id: r.keyId,
        created_at: r.createdAt.toISOString(),
        updated_at: r.updatedAt.toISOString(),
      }));
      if (opts.json) console.log(JSON.stringify(out));
      else if (out.length === 0) console.log(`no secrets for tenant ${opts.tenant}`);
      else
        console.log(
          table(
            ["name", "key_id", "created_at", "updated_at"],
            out.map((r) => Object.values(r)),
          ),
        );
    });
  cmd
    .command("delete")
    .description("delete a tenant's secret")
    .addOption(configOption())
    .requiredOption("-t, --tenant <id>", "tenant id")
    .requiredOption("-n, --name <name>", "secret name")
    .action(async (opts: Base & { tenant: string; name: string }) => {
      const deleted = await withSecrets(opts, (secrets, store) =>
        withCliAudit(store, async (audit, actor) => {
          const done = await secrets.delete(opts.tenant, opts.name);
          if (done)
            audit.record(
              adminEntry(actor, "secret.delete", { tenant: opts.tenant, target: `secret:${opts.name}` }),
            );
          return done;
        }),
      );
      if (!deleted) {
        console.error(`tenant ${opts.tenant} has no secret named ${opts.name}`);
        process.exitCode = 1;
      } else console.log(`deleted secret ${opts.name} of tenant ${opts.tenant}`);
    });
  cmd
    .command("rotate")
    .description(
      "re-encrypt every secret under the current key-encryption key (the first of TOLLGATE_KEK / kek_file)",
    )
    .addOption(configOption())
    .option("--json", "print JSON")
    .action(async (opts: Base) => {
      const report = await withSecrets(opts, (secrets, store) =>
        withCliAudit(store, async (audit, actor) => {
          const r = await secrets.rotate();
          audit.record(
            adminEntry(actor, "secrets.rotate", {
              tenant: null,
              target: null,
              data: { key_id: secrets.currentKeyId, resealed: r.resealed, failed: r.failed },
            }),
          );
          return { ...r, keyId: secrets.currentKeyId };
        }),
      );
      if (opts.json)
        console.log(
          JSON.stringify({ key_id: report.keyId, resealed: report.resealed, failed: report.failed }),
        );
      else {
        console.log(`${report.resealed} secrets re-encrypted under key ${report.keyId}`);
        for (const f of report.failed) console.error(`  ${f.tenantId}/${f.name}: ${f.reason}`);
      }
      if (report.failed.length > 0) process.exitCode = 1;
    });
  return cmd;
}
