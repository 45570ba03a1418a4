import { Command } from "commander";
import { createApiKey } from "../auth/key-service.js";
import { keyJson } from "../http/admin/views.js";
import { keyEntry } from "../tenancy/admin-audit.js";
import { AdminClient, remoteOptions, run, useApi, type RemoteOptions } from "./admin-client.js";
import { withCliAudit } from "./cli-audit.js";
import { table } from "./format.js";
import { HEADER, printCreated, row, type KeyView } from "./key-table.js";
import { keyBody, keyOptions, type KeyFlags } from "./key-options.js";
import { configOption, loadConfigOrExit, parseDuration } from "./options.js";
import { knownTenant, withStore } from "./report-options.js";

type Opts = RemoteOptions & KeyFlags & { config: string; tenant: string; expires?: number };

const common = (cmd: Command) =>
  remoteOptions(cmd.addOption(configOption()).requiredOption("-t, --tenant <id>", "tenant id"));
const path = (o: Opts, id?: string) =>
  `/tenants/${encodeURIComponent(o.tenant)}/keys${id === undefined ? "" : `/${encodeURIComponent(id)}`}`;

/**
 * `tollgate keys …`: with `--url` (or TOLLGATE_URL) through a running gateway's admin API; otherwise
 * `create` and `list` work on the store named by `--config` directly (e.g. before the first start),
 * and `create` is audited there as the admin API audits it.
 */
export function keysCommand(): Command {
  const keys = new Command("keys").description(
    "manage tenants' API keys (admin API with --url, else the store of --config)",
  );

  keyOptions(common(keys.command("create").description("create an API key for a tenant and print it once")))
    .option("-e, --expires <duration>", 'lifetime such as "30d", "12h"', parseDuration)
    .action(
      run(async (opts: Opts, cmd: Command) => {
        const body = keyBody(opts);
        if (useApi(cmd)) {
          const ttl =
            opts.expires === undefined ? {} : { expires_in_seconds: Math.round(opts.expires / 1000) };
          printCreated(
            await AdminClient.from(opts).request<KeyView>("POST", path(opts), { ...body.patch, ...ttl }),
            opts.json,
          );
          return;
        }
        const config = await loadConfigOrExit(opts.config);
        const created = await withStore(config, async (store) => {
          await knownTenant(config, store, opts.tenant);
          // audited as the admin API audits it, with the CLI's user as the actor
          return withCliAudit(store, async (audit, actor) => {
            const { record, key } = await createApiKey(store.keys, opts.tenant, {
              name: opts.name ?? null,
              expiresAt: opts.expires === undefined ? null : new Date(Date.now() + opts.expires),
              ...body.record,
            });
            const view = keyJson(record, new Date());
            audit.record(keyEntry(actor, "key.create", record, { after: view }));
            return { ...view, key };
          });
        });
        printCreated(created, opts.json);
      }),
    );

  common(
    keys
      .command("list")
      .description(
        "list a tenant's keys (prefix, name, state, created, last used, expiry, scopes), never secrets",
      ),
  ).action(
    run(async (opts: Opts, cmd: Command) => {
      const rows = useApi(cmd)
        ? (await AdminClient.from(opts).request<{ data: KeyView[] }>("GET", path(opts))).data
        : await withStore(await loadConfigOrExit(opts.config), async (store) =>
            (await store.keys.listByTenant(opts.tenant)).map((k) => keyJson(k, new Date())),
          );
      if (opts.json) console.log(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) console.log(`no stored keys for tenant ${opts.tenant}`);
      else console.log(table(HEADER, rows.map(row)));
    }),
  );

  remoteOptions(
    keys
      .command("rotate")
      .argument("<key-id>")
      .requiredOption("-t, --tenant <id>", "tenant id")
      .option(
        "--grace <duration>",
        'how long the old key keeps working, e.g. "1h" (default 1h)',
        parseDuration,
      )
      .description(
        "replace a key: prints the new secret once; the old one works until the grace period ends",
      ),
  ).action(
    run(async (id: string, opts: Opts & { grace?: number }) => {
      const body = opts.grace === undefined ? {} : { grace_seconds: Math.round(opts.grace / 1000) };
      const k = await AdminClient.from(opts).request<KeyView & { previous: KeyView }>(
        "POST",
        `${path(opts, id)}/rotate`,
        body,
      );
      printCreated(k, opts.json);
      if (!opts.json)
        console.log(`The old key ${k.previous.id} keeps working until ${k.previous.revoked_at}.`);
    }),
  );

  remoteOptions(
    keys
      .command("revoke")
      .argument("<key-id>")
      .requiredOption("-t, --tenant <id>", "tenant id")
      .option("--reason <text>", "recorded in the audit trail")
      .description("revoke a key now (refused on every replica within a second)"),
  ).action(
    run(async (id: string, opts: Opts & { reason?: string }) => {
      const k = await AdminClient.from(opts).request<KeyView>(
        "POST",
        `${path(opts, id)}/revoke`,
        opts.reason === undefined ? undefined : { reason: opts.reason },
      );
      console.log(opts.json ? JSON.stringify(k) : `revoked key ${k.id} (${k.prefix}…)`);
    }),
  );

  keyOptions(
    remoteOptions(
      keys
        .command("update")
        .argument("<key-id>")
        .requiredOption("-t, --tenant <id>", "tenant id")
        .description("change a key's name, limits, models or scopes"),
    ),
  ).action(
    run(async (id: string, opts: Opts) => {
      const k = await AdminClient.from(opts).request<KeyView>("PATCH", path(opts, id), keyBody(opts).patch);
      console.log(opts.json ? JSON.stringify(k) : table(HEADER, [row(k)]));
    }),
  );
  return keys;
}
