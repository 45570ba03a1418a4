import { Command } from "commander";
import { createGateway } from "../app.js";
import { configOption, loadConfigOrExit, parseInteger } from "./options.js";
import { printQuickstart } from "./quickstart.js";

interface ServeOptions {
  config: string;
  port?: number;
  host?: string;
  quickstart?: boolean;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("run the gateway")
    .addOption(configOption())
    .option("-p, --port <port>", "listen port (overrides server.port)", parseInteger(0, 65535))
    .option("--host <host>", "listen address (overrides server.host)")
    .option("--quickstart", "create and print a key for every tenant without one (used by npm start)")
    .action(async (opts: ServeOptions) => {
      const config = await loadConfigOrExit(opts.config);
      const gateway = await createGateway(config, { logger: { level: config.log.level } });
      const url = await gateway.listen(opts.port ?? config.server.port, opts.host ?? config.server.host);
      console.log(`Tollgate listening on ${url} (config ${opts.config}, storage ${config.storage})`);
      for (const [name, sim] of gateway.simulators) console.log(`  simulator ${name}: ${sim.url}`);
      if (opts.quickstart) await printQuickstart(gateway, config, opts.config, url);

      let closing = false;
      const shutdown = (signal: string): void => {
        if (closing) return;
        closing = true;
        console.log(`${signal}: closing (in-flight requests finish first)`);
        gateway.close().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(err);
            process.exit(1);
          },
        );
      };
      process.on("SIGINT", () => shutdown("SIGINT"));
      process.on("SIGTERM", () => shutdown("SIGTERM"));
    });
}
