import { Command } from "commander";
import { AdminClient, remoteOptions, run, type RemoteOptions } from "./admin-client.js";
import { table } from "./format.js";
import { parseDuration } from "./options.js";

interface AdminKey {
  id: string;
  key?: string;
  name: string | null;
  prefix: string;
  role: string;
  tenant: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const row = (k: AdminKey) => [
  k.id,
  `${k.prefix}…`,
  k.name ?? "-",
  k.role,
  k.tenant ?? "-",
  k.revoked_at === null ? "active" : "revoked",
];

/** `tollgate admin-keys …`: admin API keys, through the admin API. */
export function adminKeysCommand(): Command {
  const cmd = new Command("admin-keys").description(
    "manage admin API keys through a running gateway's admin API",
  );
  remoteOptions(cmd.command("list").description("list admin keys (a tenant admin sees its tenant's)")).action(
    run(async (opts: RemoteOptions) => {
      const { data } = await AdminClient.from(opts).request<{ data: AdminKey[] }>("GET", "/admin-keys");
      console.log(
        opts.json
          ? JSON.stringify(data, null, 2)
          : table(["id", "prefix", "name", "role", "tenant", "state"], data.map(row)),
      );
    }),
  );
  remoteOptions(
    cmd
      .command("create")
      .description("create an admin key and print it once")
      .requiredOption("--role <role>", "platform_admin, tenant_admin, tenant_viewer or billing")
      .option("-t, --tenant <id>", "the tenant of a tenant-bound role")
      .option("-n, --name <name>", "a name to recognise it by")
      .option("-e, --expires <duration>", 'lifetime such as "90d"', parseDuration),
  ).action(
    run(async (opts: RemoteOptions & { role: string; tenant?: string; name?: string; expires?: number }) => {
      const k = await AdminClient.from(opts).request<AdminKey>("POST", "/admin-keys", {
        role: opts.role,
        ...(opts.tenant === undefined ? {} : { tenant: opts.tenant }),
        ...(opts.name === undefined ? {} : { name: opts.name }),
        ...(opts.expires === undefined ? {} : { expires_in_seconds: Math.round(opts.expires / 1000) }),
      });
      if (opts.json) console.log(JSON.stringify(k));
      else
        console.log(
          `created admin key ${k.id} (${k.role}${k.tenant ? ` of ${k.tenant}` : ""})\n  ${k.key}\nThis is the only time the key is shown: store it now.`,
        );
    }),
  );
  remoteOptions(cmd.command("revoke").argument("<id>").description("revoke an admin key at once")).action(
    run(async (id: string, opts: RemoteOptions) => {
      const k = await AdminClient.from(opts).request<AdminKey>(
        "POST",
        `/admin-keys/${encodeURIComponent(id)}/revoke`,
      );
      console.log(opts.json ? JSON.stringify(k) : `revoked admin key ${k.id}`);
    }),
  );
  return cmd;
}
