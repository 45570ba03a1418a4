import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

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

  readonly authFailures = new Counter({
    name: "llm_auth_failures_total",
    help: "Requests refused at authentication, by reason (missing, malformed, unknown, expired, revoked, tenant_mismatch).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: "tollgate_" });
  }
}
