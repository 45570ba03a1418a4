import { Command } from "commander";
import { configOption, loadConfigOrExit } from "./options.js";

export function checkCommand(): Command {
  return new Command("check")
    .description("validate a configuration file without starting anything")
    .addOption(configOption())
    .action(async (opts: { config: string }) => {
      const config = await loadConfigOrExit(opts.config);
      const tenants = Object.keys(config.tenants).length;
      const models = Object.keys(config.models).length;
      console.log(`${opts.config}: OK (${tenants} tenants, ${models} models, storage ${config.storage})`);
    });
}
