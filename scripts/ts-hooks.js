// Module hooks for scripts/ts-register.js: `./x.js` imported from a .ts file resolves to `./x.ts` when that
// exists (NodeNext style), and .ts files are transpiled without type checking (`npm run typecheck`
// checks them). Used by the benchmarks, and by worker threads when the gateway runs from its TypeScript
// sources (tests): see src/store/worker/thread-entry.ts.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const RELATIVE_JS = /^\.{1,2}\/.*\.js$/;

export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL?.endsWith(".ts") && RELATIVE_JS.test(specifier)) {
    try {
      return await nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    } catch {
      // no .ts sibling: a real .js file
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, "utf8"), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  return { format: "module", source: outputText, shortCircuit: true };
}
