import { Command } from "commander";
import { AdminClient, CliError, remoteOptions, run, type RemoteOptions } from "./admin-client.js";
import { table } from "./format.js";
import { readSpec, setPath } from "./spec-input.js";

interface Tenant {
  id: string;
  status: string;
  managed_by: string;
  updated_at: string;
  spec: Record<string, unknown>;
}

const row = (t: Tenant): string[] => [
  t.id,
  t.status,
  String(t.spec.tier),
  String(t.spec.priority),
  ((t.spec.models_allowed ?? []) as string[]).join(","),
  t.managed_by,
];
const HEADER = ["id", "status", "tier", "priority", "models", "managed_by"];

const print = (opts: RemoteOptions, value: unknown, text: () => string) =>
  console.log(opts.json ? JSON.stringify(value, null, 2) : text());

const show = (t: Tenant) => `${table(HEADER, [row(t)])}\n\n${JSON.stringify(t.spec, null, 2)}`;

/** `tollgate tenants …`: tenants of a running gateway, through its admin API. */
export function tenantsCommand(): Command {
  const tenants = new Command("tenants").description("manage tenants through a running gateway's admin API");

  remoteOptions(tenants.command("list").description("list tenants")).action(
    run(async (opts: RemoteOptions) => {
      const { data } = await AdminClient.from(opts).request<{ data: Tenant[] }>("GET", "/tenants");
      print(opts, data, () => table(HEADER, data.map(row)));
    }),
  );

  remoteOptions(
    tenants.command("get").argument("<id>").description("show a tenant and its configuration"),
  ).action(
    run(async (id: string, opts: RemoteOptions) => {
      const t = await AdminClient.from(opts).request<Tenant>("GET", `/tenants/${encodeURIComponent(id)}`);
      print(opts, t, () => show(t));
    }),
  );

  remoteOptions(
    tenants
      .command("create")
      .argument("<id>")
      .description("create a tenant from a file of tenant fields (the tenants.<id> shape) and/or --set")
      .option("-f, --file <file>", "YAML or JSON with the tenant's fields")
      .option(
        "--set <path=value>",
        "a field, e.g. tier=standard or models_allowed=[llama-3.1-8b]",
        (v, all: string[]) => [...all, v],
        [],
      ),
  ).action(
    run(async (id: string, opts: RemoteOptions & { file?: string; set: string[] }) => {
      const spec = opts.file === undefined ? {} : await readSpec(opts.file);
      for (const s of opts.set) setPath(spec, s);
      const t = await AdminClient.from(opts).request<Tenant>("POST", "/tenants", { ...spec, id });
      print(opts, t, () => `created tenant ${t.id}\n${show(t)}`);
    }),
  );

  remoteOptions(
    tenants
      .command("update")
      .argument("<id>")
      .description("change a tenant's fields: a file of fields to replace and/or --set path=value")
      .option("-f, --file <file>", "YAML or JSON with the fields to replace")
      .option(
        "--set <path=value>",
        "e.g. rate_limits.requests_per_minute=120 (repeatable)",
        (v, all: string[]) => [...all, v],
        [],
      ),
  ).action(
    run(async (id: string, opts: RemoteOptions & { file?: string; set: string[] }) => {
      const client = AdminClient.from(opts);
      const path = `/tenants/${encodeURIComponent(id)}`;
      const patch = opts.file === undefined ? {} : await readSpec(opts.file);
      if (opts.set.length > 0) {
        // a nested --set replaces its top-level field: start from the current value
        const current = (await client.request<Tenant>("GET", path)).spec;
        for (const s of opts.set) {
          const top = s.slice(0, s.indexOf("=")).split(".")[0]!;
          if (!(top in patch)) patch[top] = structuredClone(current[top] ?? {});
          if (!s.slice(0, s.indexOf("=")).includes(".")) delete patch[top];
          setPath(patch, s);
        }
      }
      if (Object.keys(patch).length === 0) throw new CliError("nothing to change: give --file or --set", 2);
      const t = await client.request<Tenant>("PATCH", path, patch);
      print(opts, t, () => `updated tenant ${t.id}\n${show(t)}`);
    }),
  );

  for (const verb of ["suspend", "resume"] as const) {
    remoteOptions(
      tenants
        .command(verb)
        .argument("<id>")
        .description(
          verb === "suspend"
            ? "suspend a tenant (its keys answer 403 everywhere within a second)"
            : "resume a suspended tenant",
        )
        .option("--reason <text>", "recorded in the audit trail"),
    ).action(
      run(async (id: string, opts: RemoteOptions & { reason?: string }) => {
        const body = opts.reason === undefined ? undefined : { reason: opts.reason };
        const t = await AdminClient.from(opts).request<Tenant>(
          "POST",
          `/tenants/${encodeURIComponent(id)}/${verb}`,
          body,
        );
        print(opts, t, () => `tenant ${t.id} is ${t.status}`);
      }),
    );
  }

  remoteOptions(
    tenants
      .command("delete")
      .argument("<id>")
      .description("delete a tenant (its keys stop working; its usage is kept)")
      .option("--yes", "confirm"),
  ).action(
    run(async (id: string, opts: RemoteOptions & { yes?: boolean }) => {
      if (opts.yes !== true)
        throw new CliError(`deleting tenant ${id} revokes all its keys: add --yes to confirm`, 2);
      const r = await AdminClient.from(opts).request("DELETE", `/tenants/${encodeURIComponent(id)}`);
      print(opts, r, () => `deleted tenant ${id}`);
    }),
  );
  return tenants;
}
