import { unknownVariables } from "../customize/system-prompts.js";

/**
 * Checks of one tenant against the models it names: used by the config schema for `tenants:` and by
 * the admin API for tenants created or changed at run time (with the models of that gateway).
 */

/** The parts of a parsed tenant the checks read (structural, so schema.ts can call this from superRefine). */
export interface CheckedTenant {
  readonly models_allowed: readonly string[];
  readonly aliases: Readonly<Record<string, string>>;
  readonly fallbacks: Readonly<Record<string, readonly string[]>>;
  readonly lora_adapters: Readonly<Record<string, { readonly base: string }>>;
  readonly system_prompts: readonly {
    readonly template: string;
    readonly models?: readonly string[] | undefined;
  }[];
  readonly prompt_variables: Readonly<Record<string, string>>;
  readonly api_keys?: readonly { readonly models_allowed?: readonly string[] | undefined }[];
  readonly pricing_overrides?: Readonly<Record<string, unknown>>;
}

/** `issue(path, message)`: `path` is relative to the tenant. */
export function checkTenant(
  tenant: CheckedTenant,
  models: Readonly<Record<string, { readonly lora: boolean }>>,
  issue: (path: (string | number)[], message: string) => void,
): void {
  tenant.models_allowed.forEach((model, i) => {
    if (!(model in models)) issue(["models_allowed", i], `unknown model "${model}" (not under models:)`);
  });
  const allowed = (model: string, path: (string | number)[], what: string) => {
    if (!tenant.models_allowed.includes(model)) {
      issue(path, `${what} "${model}" is not in the tenant's models_allowed`);
    }
  };
  for (const [alias, target] of Object.entries(tenant.aliases)) {
    allowed(target, ["aliases", alias], "alias target");
    if (alias in models) issue(["aliases", alias], "an alias may not shadow a model name");
  }
  for (const [from, chain] of Object.entries(tenant.fallbacks)) {
    allowed(from, ["fallbacks", from], "model");
    chain.forEach((to, i) => allowed(to, ["fallbacks", from, i], "fallback model"));
  }
  for (const [name, lora] of Object.entries(tenant.lora_adapters)) {
    allowed(lora.base, ["lora_adapters", name, "base"], "base model");
    if (models[lora.base] !== undefined && !models[lora.base]!.lora) {
      issue(["lora_adapters", name, "base"], `model "${lora.base}" does not have lora: true`);
    }
  }
  tenant.system_prompts.forEach((p, i) => {
    for (const v of unknownVariables(p.template, tenant.prompt_variables)) {
      issue(
        ["system_prompts", i, "template"],
        `unknown variable {{${v}}} (builtins: tenant, model, user, date; or define it in prompt_variables)`,
      );
    }
  });
  tenant.system_prompts.forEach((p, i) =>
    p.models?.forEach((m, j) => allowed(m, ["system_prompts", i, "models", j], "model")),
  );
  tenant.api_keys?.forEach((key, k) =>
    key.models_allowed?.forEach((model, i) => {
      if (!tenant.models_allowed.includes(model)) {
        issue(["api_keys", k, "models_allowed", i], `"${model}" is not in the tenant's models_allowed`);
      }
    }),
  );
}

/** Price overrides must name the tenant's models (the config checks this in usage-schema.ts). */
export function checkOverrides(
  tenant: CheckedTenant,
  issue: (path: (string | number)[], message: string) => void,
): void {
  for (const model of Object.keys(tenant.pricing_overrides ?? {})) {
    if (model !== "*" && !tenant.models_allowed.includes(model)) {
      issue(["pricing_overrides", model], `"${model}" is not in the tenant's models_allowed`);
    }
  }
}
