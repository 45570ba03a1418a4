// Lets `node --import ./scripts/ts-register.js bench/<name>/run.ts` run TypeScript directly
// (Node 20 has no type stripping): .ts files are transpiled on load by the project's own TypeScript.
import { register } from "node:module";

register("./ts-hooks.js", import.meta.url);
