import { createHmac } from "node:crypto";
import { request } from "undici";
import type { BudgetAlert } from "../admission/admission-service.js";
import { microsToUsd } from "../usage/pricing.js";

export interface AlertWebhookOptions {
  /** Global receiver of every tenant's alerts (alerts.webhook_url). */
  readonly url?: string | undefined;
  readonly secret?: string | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
  /** First retry delay; doubles each attempt. */
  readonly baseDelayMs?: number;
  readonly onFailure?: (url: string, err: unknown) => void;
}

/** The JSON body of a budget alert webhook. */
export function alertPayload(alert: BudgetAlert): string {
  return JSON.stringify({
    type: "budget.alert",
    tenant: alert.tenantId,
    period: alert.period,
    spent_usd: microsToUsd(alert.spentMicros),
    limit_usd: microsToUsd(alert.limitMicros),
    threshold_percent: alert.thresholdPercent,
    at: alert.at.toISOString(),
  });
}

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): what receivers verify. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * Delivers budget alerts to the global and the tenant's webhook: JSON, HMAC-signed, retried with
 * exponential backoff on network errors, 429 and 5xx. Never throws; failures are reported.
 */
export class AlertWebhook {
  constructor(private readonly options: AlertWebhookOptions) {}

  send(alert: BudgetAlert): Promise<void[]> {
    const urls = [
      ...new Set([this.options.url, alert.webhookUrl].filter((u): u is string => u !== undefined)),
    ];
    const body = alertPayload(alert);
    return Promise.all(urls.map((url) => this.deliver(url, body)));
  }

  private async deliver(url: string, body: string): Promise<void> {
    const base = this.options.baseDelayMs ?? 1000;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, base * 2 ** (attempt - 1)));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "x-tollgate-event": "budget.alert",
        "x-tollgate-timestamp": timestamp,
      };
      if (this.options.secret !== undefined)
        headers["x-tollgate-signature"] = signature(this.options.secret, timestamp, body);
      try {
        const res = await request(url, {
          method: "POST",
          headers,
          body,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        });
        await res.body.dump();
        if (res.statusCode < 300) return;
        lastError = new Error(`HTTP ${res.statusCode}`);
        if (res.statusCode < 500 && res.statusCode !== 429) break;
      } catch (err) {
        lastError = err;
      }
    }
    this.options.onFailure?.(url, lastError);
  }
}
