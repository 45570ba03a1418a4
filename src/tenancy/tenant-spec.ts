import type { z } from "zod";
import { formatIssues } from "../config/load.js";
import { tenantSchema, type TenantConfig } from "../config/schema.js";
import { checkOverrides, checkTenant } from "../config/tenant-checks.js";
import { canonicalJson } from "../canonical-json.js";

/**
 * A tenant's configuration as the store keeps it: the config's `tenants.<id>` shape without
 * `api_keys` (keys live in their own table), normalized by the schema (defaults filled in), so that
 * config-as-code and the store compare field by field.
 */
export const tenantSpecSchema = tenantSchema.omit({ api_keys: true });
export type TenantSpec = z.output<typeof tenantSpecSchema>;

export type SpecResult =
  | { readonly ok: true; readonly spec: TenantSpec }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The models a spec is checked against (a gateway's `models:`). */
export type ModelFlags = Readonly<Record<string, { readonly lora: boolean }>>;

/** Validates a spec (shape, then references to `models`); problems are "path: message". */
export function parseSpec(raw: unknown, models?: ModelFlags): SpecResult {
  const parsed = tenantSpecSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: formatIssues(parsed.error.issues) };
  if (models === undefined) return { ok: true, spec: parsed.data };
  const problems: string[] = [];
  const issue = (path: (string | number)[], message: string) =>
    problems.push(`${path.join(".")}: ${message}`);
  checkTenant(parsed.data, models, issue);
  checkOverrides(parsed.data, issue);
  return problems.length === 0 ? { ok: true, spec: parsed.data } : { ok: false, problems };
}

export function specFromConfig(t: TenantConfig): TenantSpec {
  const { api_keys: _keys, ...spec } = t;
  return spec;
}

/** Leaf-level differences between two JSON values: "path: before → after" parts. */
export function jsonDiff(
  before: unknown,
  after: unknown,
  path = "",
): { path: string; before: unknown; after: unknown }[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => jsonDiff(before[k], after[k], path === "" ? k : `${path}.${k}`));
  }
  return canonicalJson(before) === canonicalJson(after) ? [] : [{ path, before, after }];
}
