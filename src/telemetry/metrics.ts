import { setImmediate as nextTurn } from "node:timers/promises";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The gateway's Prometheus metrics, on a registry of its own (one per gateway instance).
 * Names follow the seed's alert rules: llm_tenant_requests_total, llm_tenant_errors_total, …
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: "llm_tenant_requests_total",
    help: "Inference requests by tenant, public model and HTTP status.",
    labelNames: ["tenant", "model", "status"] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: "llm_tenant_errors_total",
    help: "Failed inference requests by tenant, public model and error code.",
    labelNames: ["tenant", "model", "code"] as const,
    registers: [this.registry],
  });

  readonly tokens = new Counter({
    name: "llm_tenant_tokens_total",
    help: "Tokens by tenant, public model and type (input, output, cached_input).",
    labelNames: ["tenant", "model", "type"] as const,
    registers: [this.registry],
  });

  readonly spend = new Counter({
    name: "llm_tenant_spend_usd_total",
    help: "Settled spend in USD by tenant and public model.",
    labelNames: ["tenant", "model"] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: "llm_request_duration_seconds",
    help: "Whole-request latency at the gateway, by tenant and public model.",
    labelNames: ["tenant", "model", "stream"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly ttft = new Histogram({
    name: "llm_time_to_first_token_seconds",
    help: "Time from request arrival to the first streamed token, by tenant and public model.",
    labelNames: ["tenant", "model"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly upstreamErrors = new Counter({
    name: "llm_upstream_errors_total",
    help: "Engine failures by endpoint and kind (connect, timeout, status).",
    labelNames: ["endpoint", "kind"] as const,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: "llm_upstream_retries_total",
    help: "Requests sent to another endpoint after a connection error or a 502/503, by public model.",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });

  readonly fallbacks = new Counter({
    name: "llm_fallbacks_total",
    help: "Requests answered by a fallback model of the tenant's chain, by tenant, requested and answering model.",
    labelNames: ["tenant", "from", "to"] as const,
    registers: [this.registry],
  });

  readonly ejections = new Counter({
    name: "llm_endpoint_ejections_total",
    help: "Times an endpoint was ejected by the circuit breaker (consecutive failures).",
    labelNames: ["endpoint"] as const,
    registers: [this.registry],
  });

  readonly endpointUp = new Gauge({
    name: "llm_endpoint_up",
    help: "Last active health check of an engine endpoint (1 up, 0 down).",
    labelNames: ["endpoint"] as const,
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: "llm_auth_failures_total",
    help: "Requests refused at authentication, by reason (missing, malformed, unknown, expired, revoked, tenant_mismatch).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: "llm_rate_limit_rejections_total",
    help: "Requests refused by admission, by tenant and reason (requests_per_minute, tokens_per_minute, concurrent_requests, daily_tokens, monthly_tokens, daily_budget, monthly_budget, limiter_unavailable).",
    labelNames: ["tenant", "reason"] as const,
    registers: [this.registry],
  });

  readonly budgetAlerts = new Counter({
    name: "llm_budget_alerts_total",
    help: "Budget alerts raised (spend crossed alert_threshold_percent), by tenant and period.",
    labelNames: ["tenant", "period"] as const,
    registers: [this.registry],
  });

  readonly dailySpend = new Gauge({
    name: "llm_tenant_daily_spend_usd",
    help: "Settled spend of the current UTC day, in USD.",
    labelNames: ["tenant"] as const,
    registers: [this.registry],
  });

  readonly dailyBudget = new Gauge({
    name: "llm_tenant_daily_budget_usd",
    help: "Daily budget in USD.",
    labelNames: ["tenant"] as const,
    registers: [this.registry],
  });

  readonly monthlySpend = new Gauge({
    name: "llm_tenant_monthly_spend_usd",
    help: "Settled spend of the current UTC month, in USD.",
    labelNames: ["tenant"] as const,
    registers: [this.registry],
  });

  readonly monthlyBudget = new Gauge({
    name: "llm_tenant_monthly_budget_usd",
    help: "Monthly budget in USD.",
    labelNames: ["tenant"] as const,
    registers: [this.registry],
  });

  readonly quotaRemaining = new Gauge({
    name: "llm_tenant_quota_remaining_tokens",
    help: "Tokens left in the tenant's daily or monthly token quota (settled usage only).",
    labelNames: ["tenant", "period"] as const,
    registers: [this.registry],
  });

  readonly budgetRemaining = new Gauge({
    name: "llm_tenant_budget_remaining_usd",
    help: "USD left in the tenant's daily or monthly budget (settled spend only).",
    labelNames: ["tenant", "period"] as const,
    registers: [this.registry],
  });

  readonly limiterErrors = new Counter({
    name: "llm_limiter_errors_total",
    help: "Failed calls to the limiter store, by operation (admit, settle, renew).",
    labelNames: ["operation"] as const,
    registers: [this.registry],
  });

  readonly alertDeliveryFailures = new Counter({
    name: "llm_alert_webhook_failures_total",
    help: "Budget alert webhooks that failed after every retry.",
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: "tollgate_" });
  }

  /**
   * The registry in Prometheus text format, as `registry.metrics()` gives it, but one metric per turn
   * of the event loop: prom-client serializes synchronously, and the per-tenant series (a histogram
   * holds tenants × models × 17 lines) made one scrape of 200 tenants block requests for 20–50 ms.
   * Requests now wait at most for the largest metric.
   */
  async exposition(): Promise<string> {
    const parts: string[] = [];
    for (const metric of this.registry.getMetricsAsArray()) {
      await nextTurn();
      parts.push(await this.registry.getSingleMetricAsString(metric.name));
    }
    return `${parts.join("\n\n")}\n`;
  }
}
