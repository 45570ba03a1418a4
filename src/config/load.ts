import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { configSchema, type Config } from "./schema.js";

/** A configuration that cannot be used; `message` names the file, the path and what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${VAR}` and `${VAR:-default}` in every string of the tree. Missing variables are reported by path. */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
  path = "",
): unknown {
  if (typeof value === "string") {
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name] ?? fallback;
      if (v === undefined) problems.push(`${path || "(root)"}: environment variable ${name} is not set`);
      return v ?? "";
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, problems, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, problems, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || "(root)";
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/** Parses and validates configuration text. `file` is only used in messages. */
export function parseConfig(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Config {
  return validateConfig(parseYaml(text, file), file, env);
}

function validateConfig(
  tree: unknown,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Config {
  const problems: string[] = [];
  const raw = interpolateEnv(tree, env, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(file, formatIssues(parsed.error.issues));
  return parsed.data;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => e.message.split("\n")[0] ?? e.message),
    );
  }
  return doc.toJS() as unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Loads a config file. `tenants_file: <path>` (relative to the config file) merges the `tenants:` of a
 * separate file, such as a Kubernetes ConfigMap in the seed's quotas.yaml shape, into the config.
 */
export async function loadConfig(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Config> {
  const raw = parseYaml(await readText(file), file);
  if (isRecord(raw) && typeof raw.tenants_file === "string") {
    const tenantsPath = resolve(dirname(file), raw.tenants_file);
    const extra = parseYaml(await readText(tenantsPath), tenantsPath);
    const extraTenants = isRecord(extra) && isRecord(extra.tenants) ? extra.tenants : undefined;
    if (extraTenants === undefined)
      throw new ConfigError(tenantsPath, ["tenants: expected a mapping of tenant ids"]);
    const inline = isRecord(raw.tenants) ? raw.tenants : {};
    const clash = Object.keys(extraTenants).filter((id) => id in inline);
    if (clash.length > 0) {
      throw new ConfigError(
        file,
        clash.map((id) => `tenants.${id}: defined both inline and in ${raw.tenants_file as string}`),
      );
    }
    raw.tenants = { ...inline, ...extraTenants };
    delete raw.tenants_file;
  }
  return validateConfig(raw, file, env);
}
