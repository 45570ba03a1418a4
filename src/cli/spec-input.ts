import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { CliError } from "./admin-client.js";

/** A YAML or JSON file of tenant fields. */
export async function readSpec(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 2);
  }
  const doc: unknown = parse(text);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new CliError(`${file}: expected a mapping of tenant fields`, 2);
  return doc as Record<string, unknown>;
}

/** `a.b.c=value` (value in YAML: numbers, booleans, [lists], null) set into `target`. */
export function setPath(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new CliError(`--set expects path=value, got "${assignment}"`, 2);
  const path = assignment.slice(0, eq).split(".");
  const value: unknown = parse(assignment.slice(eq + 1));
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    node =
      next !== null && typeof next === "object" && !Array.isArray(next)
        ? (next as Record<string, unknown>)
        : (node[part] = {});
  }
  node[path[path.length - 1]!] = value;
}
