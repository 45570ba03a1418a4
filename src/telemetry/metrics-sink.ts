import { microsToUsd } from "../usage/pricing.js";
import type { UsageEvent, UsageSink } from "../usage/usage-event.js";
import type { GatewayMetrics } from "./metrics.js";

/** Turns settled requests into the per-tenant Prometheus series. */
export class MetricsSink implements UsageSink {
  constructor(private readonly metrics: GatewayMetrics) {}

  record(e: UsageEvent): void {
    const tenant = e.tenantId;
    const model = e.model ?? "";
    const m = this.metrics;
    m.requests.inc({ tenant, model, status: String(e.status) });
    if (e.errorCode !== null) m.errors.inc({ tenant, model, code: e.errorCode });
    if (e.usage.input > 0) m.tokens.inc({ tenant, model, type: "input" }, e.usage.input);
    if (e.usage.output > 0) m.tokens.inc({ tenant, model, type: "output" }, e.usage.output);
    if (e.usage.cached > 0) m.tokens.inc({ tenant, model, type: "cached_input" }, e.usage.cached);
    if (e.costMicros > 0) m.spend.inc({ tenant, model }, microsToUsd(e.costMicros));
    if (e.model !== null) {
      m.duration.observe({ tenant, model, stream: String(e.stream) }, e.latencyMs / 1000);
      if (e.ttftMs !== null) m.ttft.observe({ tenant, model }, e.ttftMs / 1000);
    }
  }
}
