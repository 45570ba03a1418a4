import { readFile } from "node:fs/promises";
import { parseKeyring, type Keyring } from "../secrets/envelope.js";
import type { SecretsConfig } from "./control-schema.js";

/** Where the key-encryption keys come from, for messages (never the keys). */
export type KekSource = "file" | "env" | "none";

/**
 * Loads the key-encryption keyring: `secrets.kek_file` if configured, else env `TOLLGATE_KEK`
 * (`kid:base64,…`, the first one encrypts). The only place either is read. Null when neither is set:
 * provider secrets are then unavailable (refused at start if a model needs them).
 */
export async function loadKeyring(
  secrets: SecretsConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ ring: Keyring | null; source: KekSource }> {
  if (secrets.kek_file !== undefined) {
    let text: string;
    try {
      text = await readFile(secrets.kek_file, "utf8");
    } catch (err) {
      throw new Error(
        `secrets.kek_file: cannot read ${secrets.kek_file} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
    return { ring: parseOrExplain(text.trim(), "secrets.kek_file"), source: "file" };
  }
  const spec = env.TOLLGATE_KEK;
  if (spec === undefined || spec.trim() === "") return { ring: null, source: "none" };
  return { ring: parseOrExplain(spec, "TOLLGATE_KEK"), source: "env" };
}

function parseOrExplain(spec: string, where: string): Keyring {
  try {
    return parseKeyring(spec);
  } catch (err) {
    // the parser's messages name key ids, never key material
    throw new Error(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
