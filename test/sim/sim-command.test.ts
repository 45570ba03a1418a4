import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { simCommand } from "../../src/cli/sim-command.js";
import { waitFor } from "./helpers.js";

function parseError(args: string[]): Promise<CommanderError> {
  const command = simCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  return command.parseAsync(args, { from: "user" }).then(
    () => {
      throw new Error("expected a usage error");
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(CommanderError);
      return err as CommanderError;
    },
  );
}

describe("tollgate sim", () => {
  it("rejects non-numeric flags with exit code 2", async () => {
    for (const args of [
      ["--model", "m", "--port", "abc"],
      ["--model", "m", "--max-num-seqs", "0"],
      ["--model", "m", "--ttft-ms", "fast"],
      ["--model", "m", "--error-rate", "1.5"],
      ["--model", "m", "--seed", "1.5"],
    ]) {
      const err = await parseError(args);
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(/expected/);
    }
    expect((await parseError(["--port", "0"])).exitCode).toBe(2); // no --model
  });

  it("starts, prints the listening line, serves, and stops on the stop signal", async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const command = simCommand({ log: (l) => lines.push(l), stop: stop.signal }).exitOverride();
    const running = command.parseAsync(
      ["--port", "0", "--model", "a", "--model", "b", "--embedding-model", "e", "--itl-ms", "0"],
      { from: "user" },
    );
    await waitFor(() => lines.length > 0);
    const match = /^tollgate sim listening on (http:\/\/127\.0\.0\.1:\d+) \(models: a, b, e\)$/.exec(
      lines[0]!,
    );
    expect(match).not.toBeNull();
    const models = (await (await fetch(`${match![1]}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["a", "b", "e"]);
    stop.abort();
    await running;
    await expect(fetch(`${match![1]}/health`)).rejects.toThrow();
  });
});
