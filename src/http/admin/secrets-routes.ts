import { z } from "zod";
import { secretName } from "../../config/control-schema.js";
import type { ProviderSecrets } from "../../secrets/provider-secrets.js";
import type { SecretMetadata } from "../../store/secret-port.js";
import { adminEntry } from "../../tenancy/admin-audit.js";
import { route, type AnyRoute, type RouteContext } from "./route.js";
import { parseInput, notFound } from "./validate.js";

const secretView = z.strictObject({
  name: z.string(),
  key_id: z.string().meta({ description: "The key-encryption key it is sealed with." }),
  created_at: z.string(),
  updated_at: z.string(),
});
const setResult = secretView.extend({ created: z.boolean() });
const setBody = z.strictObject({
  value: z.string().min(1).max(4096).meta({ description: "The credential. Write-only: never returned." }),
});

const view = (s: SecretMetadata): z.output<typeof secretView> => ({
  name: s.name,
  key_id: s.keyId,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

const nameOf = (ctx: RouteContext): string => parseInput(secretName, ctx.params.name, "path");

async function audit(ctx: RouteContext, action: string, name: string, data: Record<string, unknown>) {
  ctx.deps.audit.record(
    adminEntry(ctx.who, action, { tenant: ctx.tenant.id, target: `secret:${name}`, data, at: ctx.now }),
  );
  await ctx.deps.audit.durable?.();
}

/**
 * A tenant's provider secrets (bring your own key): set, list (names and metadata), delete. Values
 * are write-only: no route, listing, log line or audit record ever carries one.
 */
export function secretRoutes(secrets: ProviderSecrets): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/tenants/{tenant}/secrets",
      summary: "List a tenant's provider secrets: names and metadata, never values",
      tag: "secrets",
      permission: "secrets:write",
      response: z.strictObject({ object: z.literal("list"), data: z.array(secretView) }),
      async handler(ctx) {
        return { object: "list" as const, data: (await secrets.list(ctx.tenant.id)).map(view) };
      },
    }),
    route({
      method: "PUT",
      path: "/tenants/{tenant}/secrets/{name}",
      summary: "Set (create or replace) a tenant's provider secret; sealed at once, never shown again",
      tag: "secrets",
      permission: "secrets:write",
      body: setBody,
      response: setResult,
      async handler(ctx) {
        const name = nameOf(ctx);
        const { created, meta } = await secrets.set(ctx.tenant.id, name, ctx.body.value);
        await audit(ctx, "secret.set", name, { created, key_id: meta.keyId });
        return { ...view(meta), created };
      },
    }),
    route({
      method: "DELETE",
      path: "/tenants/{tenant}/secrets/{name}",
      summary: "Delete a tenant's provider secret (its requests to models that need it are refused)",
      tag: "secrets",
      permission: "secrets:write",
      response: z.strictObject({ name: z.string(), deleted: z.literal(true) }),
      async handler(ctx) {
        const name = nameOf(ctx);
        if (!(await secrets.delete(ctx.tenant.id, name))) throw notFound("secret", name);
        await audit(ctx, "secret.delete", name, {});
        return { name, deleted: true as const };
      },
    }),
  ];
}
