import { Command } from "commander";
import { createApiKey } from "../auth/key-service.js";
import { openStore } from "../store/open.js";
import { configOption, loadConfigOrExit, parseDuration } from "./options.js";

interface CreateOptions {
  config: string;
  tenant: string;
  name?: string;
  expires?: number;
  json?: boolean;
}

export function keysCommand(): Command {
  const keys = new Command("keys").description("manage tenants' API keys in the store");

  keys
    .command("create")
    .description("create an API key for a tenant and print it once")
    .addOption(configOption())
    .requiredOption("-t, --tenant <id>", "tenant id")
    .option("-n, --name <name>", "a name to recognise the key by")
    .option("-e, --expires <duration>", 'lifetime such as "30d", "12h"', parseDuration)
    .option("--json", "print JSON")
    .action(async (opts: CreateOptions) => {
      const config = await loadConfigOrExit(opts.config);
      if (!(opts.tenant in config.tenants)) {
        console.error(`unknown tenant "${opts.tenant}" (known: ${Object.keys(config.tenants).join(", ")})`);
        process.exit(2);
      }
      const store = openStore(config.storage);
      try {
        await store.migrate();
        const expiresAt = opts.expires === undefined ? null : new Date(Date.now() + opts.expires);
        const { key, record } = await createApiKey(store.keys, opts.tenant, {
          name: opts.name ?? null,
          expiresAt,
        });
        if (opts.json) {
          console.log(JSON.stringify({ key, id: record.id, tenant: record.tenantId, expires_at: expiresAt }));
        } else {
          console.log(
            `created key ${record.id} for tenant ${record.tenantId}${expiresAt ? ` (expires ${expiresAt.toISOString()})` : ""}`,
          );
          console.log(`  ${key}`);
          console.log("This is the only time the key is shown: store it now.");
        }
      } finally {
        await store.close();
      }
    });

  keys
    .command("list")
    .description("list a tenant's stored keys (never the secrets)")
    .addOption(configOption())
    .requiredOption("-t, --tenant <id>", "tenant id")
    .option("--json", "print JSON")
    .action(async (opts: { config: string; tenant: string; json?: boolean }) => {
      const config = await loadConfigOrExit(opts.config);
      const store = openStore(config.storage);
      try {
        await store.migrate();
        const rows = await store.keys.listByTenant(opts.tenant);
        if (opts.json) {
          console.log(JSON.stringify(rows.map(({ hash: _h, ...r }) => r)));
          return;
        }
        for (const r of rows) {
          const state = r.revokedAt
            ? "revoked"
            : r.expiresAt && r.expiresAt <= new Date()
              ? "expired"
              : "active";
          console.log(
            `${r.id}  ${r.displayPrefix}…  ${r.name ?? "-"}  ${r.createdAt.toISOString()}  ${state}`,
          );
        }
        if (rows.length === 0) console.log(`no stored keys for tenant ${opts.tenant}`);
      } finally {
        await store.close();
      }
    });
  return keys;
}
