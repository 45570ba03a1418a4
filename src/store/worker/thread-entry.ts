import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Where a worker thread's module is, and what the thread needs to load it. Built (dist/), the
 * module is the compiled `.js` next to this file. From the TypeScript sources (the test suite), it is
 * the `.ts` file, and the thread loads the project's own transpiling hooks (scripts/ts-register.js),
 * since Node 20 cannot run TypeScript.
 */
export function threadEntry(name: string): { readonly url: URL; readonly execArgv: string[] } {
  const compiled = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return { url: compiled, execArgv: [] };
  const source = new URL(`./${name}.ts`, import.meta.url);
  const hooks = new URL("../../../scripts/ts-register.js", import.meta.url);
  if (!existsSync(fileURLToPath(source)) || !existsSync(fileURLToPath(hooks))) {
    throw new Error(`worker thread module ${name} not found next to ${fileURLToPath(import.meta.url)}`);
  }
  return { url: source, execArgv: ["--import", hooks.href] };
}
