import { request } from "undici";
import type { ExternalGuard, GuardVerdict } from "../customize/external-guard.js";

/** An external guard over HTTP: POST {tenant, model, text} → {"allow": bool, "reason"?: string}. */
export class HttpGuard implements ExternalGuard {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async check(
    input: { tenant: string; model: string; text: string },
    signal: AbortSignal,
  ): Promise<GuardVerdict> {
    // The request's signal or the guard's time limit, whichever comes first. Linked by a listener:
    // the request's signal may be a RequestAbort, which AbortSignal.any() cannot follow.
    const limit = AbortSignal.timeout(this.timeoutMs);
    const linked = new AbortController();
    const onAbort = (): void => linked.abort(signal.aborted ? signal.reason : limit.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    limit.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      const res = await request(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input),
        signal: linked.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      if (res.statusCode >= 300) {
        await res.body.dump();
        throw new Error(`guard answered HTTP ${res.statusCode}`);
      }
      const body = (await res.body.json()) as { allow?: unknown; reason?: unknown };
      if (typeof body.allow !== "boolean") throw new Error("guard answer has no boolean `allow`");
      return { allow: body.allow, reason: typeof body.reason === "string" ? body.reason : undefined };
    } finally {
      signal.removeEventListener("abort", onAbort);
      limit.removeEventListener("abort", onAbort);
    }
  }
}
