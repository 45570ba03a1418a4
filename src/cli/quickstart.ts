import { createApiKey } from "../auth/key-service.js";
import type { Config } from "../config/schema.js";
import type { Gateway } from "../app.js";
import { keyJson } from "../http/admin/views.js";
import { keyEntry, type AuditActor } from "../tenancy/admin-audit.js";

/** The actor of the keys the first start creates (audited like any other key creation). */
const QUICKSTART: AuditActor = { id: "quickstart", sourceIp: null };

/**
 * First-run help for `npm start`: creates one key for every tenant that has none (in the config or
 * the store) and prints it with a curl line to try; on later starts, says how to make another key.
 */
export async function printQuickstart(
  gateway: Gateway,
  config: Config,
  configFile: string,
  url: string,
): Promise<void> {
  const lines: string[] = [];
  let firstKey: { tenant: string; key: string; model: string } | null = null;
  for (const [tenantId, tenant] of Object.entries(config.tenants)) {
    const stored = await gateway.store.keys.listByTenant(tenantId);
    if (tenant.api_keys.length > 0 || stored.length > 0) continue;
    const { key, record } = await createApiKey(gateway.store.keys, tenantId, { name: "quickstart" });
    gateway.audit.record(keyEntry(QUICKSTART, "key.create", record, { after: keyJson(record, new Date()) }));
    lines.push(`  ${tenantId.padEnd(14)} ${tenant.tier.padEnd(11)} ${key}`);
    const model = tenant.models_allowed.find((m) => config.models[m]?.kind === "chat");
    if (firstKey === null && model !== undefined) firstKey = { tenant: tenantId, key, model };
  }
  if (lines.length > 0) {
    console.log("\nCreated one API key per example tenant (shown once, stored hashed):");
    console.log(lines.join("\n"));
    if (firstKey !== null) {
      console.log(`\nTry it:\n  curl ${url}/v1/chat/completions \\
    -H "Authorization: Bearer ${firstKey.key}" -H "Content-Type: application/json" \\
    -d '{"model":"${firstKey.model}","messages":[{"role":"user","content":"Hello!"}],"max_tokens":32}'`);
    }
  } else {
    console.log("\nEvery tenant already has a key. Create another with:");
    console.log(`  npx tollgate keys create --config ${configFile} --tenant <tenant-id>`);
  }
  console.log(`\nModels: ${url}/v1/models   Metrics: ${url}/metrics   Stop: Ctrl-C\n`);
}
