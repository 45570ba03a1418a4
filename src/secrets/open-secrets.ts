import type { Config } from "../config/schema.js";
import { loadKeyring, type KekSource } from "../config/kek.js";
import type { UpstreamAuthConfig } from "../config/control-schema.js";
import type { SecretRepository } from "../store/secret-port.js";
import { ProviderSecrets } from "./provider-secrets.js";
import { UpstreamAuth } from "./upstream-auth.js";

/**
 * Loads the key-encryption keys and builds the secrets service and the dispatch stage's upstream
 * credentials. A model with `upstream_auth` and no key-encryption key is refused here, at start.
 */
export async function openProviderSecrets(
  config: Config,
  repository: SecretRepository,
  env?: Readonly<Record<string, string | undefined>>,
): Promise<{ secrets: ProviderSecrets; upstreamAuth: UpstreamAuth; kekSource: KekSource }> {
  const { ring, source } = await loadKeyring(config.secrets, env);
  const byModel = new Map<string, UpstreamAuthConfig>();
  for (const [name, model] of Object.entries(config.models)) {
    if (model.upstream_auth !== undefined) byModel.set(name, model.upstream_auth);
  }
  if (byModel.size > 0 && ring === null) {
    throw new Error(
      `models.${[...byModel.keys()].join(", ")}: upstream_auth needs a key-encryption key (env TOLLGATE_KEK or secrets.kek_file)`,
    );
  }
  const secrets = new ProviderSecrets(repository, ring);
  const upstreamAuth = new UpstreamAuth(byModel, ring === null ? null : secrets, config.secrets.cache_ttl_ms);
  secrets.onChange((tenant, name) => upstreamAuth.invalidate(tenant, name));
  return { secrets, upstreamAuth, kekSource: source };
}
