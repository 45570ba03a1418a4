import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../../src/app.js";
import { createApiKey } from "../../src/auth/key-service.js";
import { loadConfig } from "../../src/config/load.js";
import { REQUIRE_SERVICES } from "../helpers/env.js";

const run = promisify(execFile);
const README = readFileSync("README.md", "utf8");

/** The code block that follows `<!-- example: NAME -->` in the README. */
function example(name: string): string {
  const m = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (m === null) throw new Error(`README has no example "${name}"`);
  return m[1]!;
}

const PYTHON = process.env.TOLLGATE_TEST_PYTHON ?? "python3";
const pythonHasOpenai = await run(PYTHON, ["-c", "import openai"]).then(
  () => true,
  () => false,
);
if (!pythonHasOpenai) {
  const msg = `no Python with the openai package (${PYTHON}); set TOLLGATE_TEST_PYTHON (.ci/run does)`;
  if (REQUIRE_SERVICES) throw new Error(msg);
  console.warn(`\n*** SKIPPING the README's Python example: ${msg} ***\n`);
}

// The README's examples, run as written against the example config (the one `npm start` uses).
describe("README examples", () => {
  let gateway: Gateway;
  let url: string;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-readme-"));
    const config = await loadConfig("examples/tollgate.yaml", {});
    config.storage = `sqlite://${join(dir, "readme.db")}`;
    config.log.level = "silent";
    gateway = await createGateway(config, { processMetrics: false });
    url = await gateway.listen(0, "127.0.0.1");
    const { key } = await createApiKey(gateway.store.keys, "startup-xyz");
    env = { ...process.env, TOLLGATE_API_KEY: key };
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const withPort = (code: string) => code.replaceAll("http://127.0.0.1:8080", url);

  it("curl", async () => {
    const { stdout } = await run("bash", ["-c", withPort(example("curl"))], { env });
    const body = JSON.parse(stdout) as { model: string; choices: { message: { content: string } }[] };
    expect(body.model).toBe("llama-3.1-8b");
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
  });

  it("JavaScript SDK", async () => {
    const cache = join("node_modules", ".cache");
    mkdirSync(cache, { recursive: true });
    const file = join(cache, "readme-example.mjs");
    writeFileSync(file, withPort(example("js")));
    const { stdout } = await run(process.execPath, [file], { env });
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/ \d+$/);
    expect(lines[2]).toBe("768");
  });

  it.skipIf(!pythonHasOpenai)("Python SDK", async () => {
    const { stdout } = await run(PYTHON, ["-c", withPort(example("python"))], { env });
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("768");
  });
});
