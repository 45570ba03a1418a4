import { Command } from "commander";
import { openStore } from "../store/open.js";
import { configOption, loadConfigOrExit } from "./options.js";

export function migrateCommand(): Command {
  return new Command("migrate")
    .description("apply pending database migrations to the configured storage (also done at start)")
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      const config = await loadConfigOrExit(opts.config);
      const store = openStore(config.storage);
      try {
        await store.migrate();
        console.log(`migrations applied to ${config.storage}`);
      } finally {
        await store.close();
      }
    });
}
