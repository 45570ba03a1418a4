import { Command } from "commander";
import { auditCommand } from "./audit-command.js";
import { adminKeysCommand } from "./admin-keys-command.js";
import { applyCommand } from "./apply-command.js";
import { checkCommand } from "./check-command.js";
import { invoiceCommand } from "./invoice-command.js";
import { keysCommand } from "./keys-command.js";
import { migrateCommand } from "./migrate-command.js";
import { secretsCommand } from "./secrets-command.js";
import { serveCommand } from "./serve-command.js";
import { simCommand } from "./sim-command.js";
import { tenantsCommand } from "./tenants-command.js";
import { usageCommand } from "./usage-command.js";

export function program(): Command {
  return new Command("tollgate")
    .description("Tollgate: a multi-tenant, OpenAI-compatible LLM gateway")
    .version("0.1.0")
    .showHelpAfterError()
    .addCommand(serveCommand())
    .addCommand(checkCommand())
    .addCommand(migrateCommand())
    .addCommand(tenantsCommand())
    .addCommand(keysCommand())
    .addCommand(applyCommand())
    .addCommand(adminKeysCommand())
    .addCommand(usageCommand())
    .addCommand(invoiceCommand())
    .addCommand(auditCommand())
    .addCommand(secretsCommand())
    .addCommand(simCommand());
}

export async function main(argv: readonly string[]): Promise<void> {
  await program().parseAsync(argv);
}
