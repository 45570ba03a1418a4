import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { Command } from "commander";
import type { AuditScan } from "../store/audit-port.js";
import { configOption, loadConfigOrExit } from "./options.js";
import { parseInstant, withStore } from "./report-options.js";
import { verifyCommand } from "./audit-verify-command.js";

const PAGE = 5000;

interface ExportOptions {
  config: string;
  tenant?: string;
  chain?: string;
  from?: Date;
  to?: Date;
  output?: string;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, "drain");
}

/** `tollgate audit export`: records as JSON lines, in chain order, as stored (hash fields included). */
function exportCommand(): Command {
  return new Command("export")
    .description(
      "write audit records as JSON lines (chain and sequence order); a full export can be verified offline",
    )
    .addOption(configOption())
    .option("-t, --tenant <id>", "only this tenant's records")
    .option("--chain <id>", "only this chain (replica)")
    .option("--from <time>", "records at or after this time", parseInstant)
    .option("--to <time>", "records before this time", parseInstant)
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(async (opts: ExportOptions) => {
      const config = await loadConfigOrExit(opts.config);
      const out: Writable = opts.output === undefined ? process.stdout : createWriteStream(opts.output);
      let count = 0;
      await withStore(config, async (store) => {
        let scan: AuditScan = { tenant: opts.tenant, chain: opts.chain, from: opts.from, to: opts.to };
        for (;;) {
          const page = await store.audit.scan(scan, PAGE);
          for (const r of page) await write(out, `${JSON.stringify(r)}\n`);
          count += page.length;
          const last = page[page.length - 1];
          if (page.length < PAGE || last === undefined) break;
          scan = { ...scan, after: { chain: last.chain, seq: last.seq } };
        }
      });
      if (opts.output !== undefined) {
        out.end();
        await once(out, "finish");
        console.error(`${count} audit records written to ${opts.output}`);
      }
    });
}

export function auditCommand(): Command {
  return new Command("audit")
    .description("the audit trail: verify its hash chains, export it")
    .addCommand(verifyCommand())
    .addCommand(exportCommand());
}
