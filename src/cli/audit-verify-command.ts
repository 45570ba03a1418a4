import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Command } from "commander";
import type { AuditRecord } from "../audit/chain.js";
import { ChainVerifier, type VerifyProblem } from "../audit/verifier.js";
import type { ChainHead, ChainPosition } from "../store/audit-port.js";
import { table } from "./format.js";
import { configOption, loadConfigOrExit } from "./options.js";
import { usageError, withStore } from "./report-options.js";

const PAGE = 5000;

interface VerifyOptions {
  config: string;
  file?: string;
  anchors?: string;
  json?: boolean;
}

/** Heads noted by an earlier `verify --json` (its `chains`): each chain must still reach its head, unchanged. */
async function readAnchors(file: string): Promise<Map<string, ChainHead>> {
  let chains: unknown;
  try {
    chains = (JSON.parse(await readFile(file, "utf8")) as { chains?: unknown }).chains;
  } catch (err) {
    throw usageError(`--anchors ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (chains === null || typeof chains !== "object")
    throw usageError(`--anchors ${file}: no "chains" object`);
  const anchors = new Map<string, ChainHead>();
  for (const [chain, h] of Object.entries(chains as Record<string, Partial<ChainHead>>)) {
    if (!Number.isSafeInteger(h.seq) || typeof h.hash !== "string")
      throw usageError(`--anchors ${file}: bad head for ${chain}`);
    anchors.set(chain, { seq: h.seq!, hash: h.hash });
  }
  return anchors;
}

async function feedFile(file: string, verifier: ChainVerifier): Promise<void> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    try {
      verifier.feed(JSON.parse(line) as AuditRecord);
    } catch {
      throw usageError(`${file}:${n}: not an audit record`);
    }
  }
}

function describe(p: VerifyProblem): string[] {
  return [p.chain, String(p.seq), p.problem, p.detail];
}

/** `tollgate audit verify`: every chain's hashes, links and sequence; exit 1 on any problem. */
export function verifyCommand(): Command {
  return new Command("verify")
    .description(
      "check every audit chain (hashes, links, sequence): exit 1 if any record was edited, removed or reordered",
    )
    .addOption(configOption())
    .option("--file <export.jsonl>", "verify an export (`audit export`) instead of the store")
    .option(
      "--anchors <verify.json>",
      "the output of an earlier `verify --json`: also detect truncated or rewritten chains",
    )
    .option("--json", "print JSON (its `chains` can serve as --anchors later)")
    .action(async (opts: VerifyOptions) => {
      const verifier = new ChainVerifier(
        opts.anchors === undefined ? undefined : await readAnchors(opts.anchors),
      );
      if (opts.file !== undefined) await feedFile(opts.file, verifier);
      else {
        const config = await loadConfigOrExit(opts.config);
        await withStore(config, async (store) => {
          let after: ChainPosition | undefined;
          for (;;) {
            const page = await store.audit.scan({ after }, PAGE);
            for (const r of page) verifier.feed(r);
            const last = page[page.length - 1];
            if (page.length < PAGE || last === undefined) break;
            after = { chain: last.chain, seq: last.seq };
          }
        });
      }
      const { problems, heads } = verifier.finish();
      if (opts.json) {
        const chains = Object.fromEntries(
          [...heads].map(([c, h]) => [c, { seq: h.seq, hash: h.hash, records: h.records }]),
        );
        console.log(
          JSON.stringify({ ok: problems.length === 0, records: verifier.records, chains, problems }, null, 2),
        );
      } else {
        console.log(`${verifier.records} records in ${heads.size} chains`);
        if (problems.length === 0) console.log("OK: every chain is intact");
        else {
          console.log(table(["chain", "seq", "problem", "detail"], problems.map(describe)));
          console.log(`FAILED: ${problems.length} problems`);
        }
      }
      if (problems.length > 0) process.exitCode = 1;
    });
}
