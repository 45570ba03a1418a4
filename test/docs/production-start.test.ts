import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { scripts: { start: string } };

/** The node flags of a command line (what comes between `node` and the script). */
const nodeFlags = (command: string): string[] =>
  (/\bnode\s+((?:--\S+\s+)*)/.exec(command.replace(/\\\n/g, " "))?.[1] ?? "").split(/\s+/).filter(Boolean);

describe('README "Starting it in production"', () => {
  const section = readme.slice(readme.indexOf("### Starting it in production"));
  const command = /```sh\n([\s\S]*?)```/.exec(section)![1]!;

  it("gives the same node flags as `npm start`", () => {
    expect(nodeFlags(command).length).toBeGreaterThan(0);
    expect(nodeFlags(pkg.scripts.start)).toEqual(nodeFlags(command));
  });

  it("gives flags this Node accepts on the command line", () => {
    const out = execFileSync(process.execPath, [...nodeFlags(command), "-e", "process.stdout.write('ok')"], {
      encoding: "utf8",
    });
    expect(out).toBe("ok");
  });

  it("explains every flag it gives", () => {
    for (const flag of nodeFlags(command)) expect(section).toContain(`- \`${flag}\``);
  });
});
