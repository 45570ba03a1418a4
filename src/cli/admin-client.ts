import { Option, type Command } from "commander";

/** A CLI failure: its message goes to stderr and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface RemoteOptions {
  url?: string;
  adminKey?: string;
  json?: boolean;
}

/** `--url`, `--admin-key` (env TOLLGATE_URL, TOLLGATE_ADMIN_KEY) and `--json` on a command. */
export function remoteOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--url <url>", "a running gateway's base URL").env("TOLLGATE_URL"))
    .addOption(new Option("--admin-key <key>", "admin API key or OIDC token").env("TOLLGATE_ADMIN_KEY"))
    .option("--json", "print JSON instead of a table");
}

/**
 * Whether a command that can also read the store directly should use the admin API: `--url` on the
 * command line, or TOLLGATE_URL in the environment unless `--config` was given explicitly.
 */
export function useApi(cmd: Command): boolean {
  const url = cmd.getOptionValueSource("url");
  if (url === "cli") return true;
  return url === "env" && cmd.getOptionValueSource("config") !== "cli";
}

interface ErrorBody {
  error?: { message?: string; code?: string; param?: string | null };
}

/** The admin API over HTTP, with errors phrased for a terminal. */
export class AdminClient {
  private readonly base: string;

  constructor(
    url: string | undefined,
    private readonly key: string | undefined,
  ) {
    if (url === undefined || url === "")
      throw new CliError("no gateway URL: give --url or set TOLLGATE_URL", 2);
    if (key === undefined || key === "") {
      throw new CliError("no admin credential: give --admin-key or set TOLLGATE_ADMIN_KEY", 2);
    }
    this.base = `${url.replace(/\/+$/, "")}/admin/v1`;
  }

  static from(opts: RemoteOptions): AdminClient {
    return new AdminClient(opts.url, opts.adminKey);
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.raw(method, path, body);
    return JSON.parse(text) as T;
  }

  async raw(method: string, path: string, body?: unknown): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new CliError(`cannot reach the gateway at ${this.base}: ${cause}`);
    }
    const text = await res.text();
    if (res.ok) return text;
    let parsed: ErrorBody = {};
    try {
      parsed = JSON.parse(text) as ErrorBody;
    } catch {
      // not JSON: shown as is below
    }
    const e = parsed.error;
    const what = e?.message ?? (text.slice(0, 200) || res.statusText);
    const hint = res.status === 401 ? " (check --admin-key / TOLLGATE_ADMIN_KEY)" : "";
    throw new CliError(`${res.status} ${e?.code ?? "error"}: ${what}${hint}`);
  }
}

/** Runs a command action, turning CliErrors into a message and an exit status. */
export function run<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      console.error(`error: ${err.message}`);
      process.exitCode = err.exitCode;
    }
  };
}
