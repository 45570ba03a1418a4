import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { SchedulerEvents } from "../scheduler/fair-scheduler.js";
import type { SchedulerSnapshot } from "../scheduler/scheduler.js";

const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The scheduler's Prometheus series, on the gateway's registry: queue depth and waits, refusals,
 * service per tenant, and each endpoint's slots. Gauges read `snapshot()` at scrape time (this
 * replica's view; sum over replicas for the cluster).
 */
export function schedulerMetrics(registry: Registry, snapshot: () => SchedulerSnapshot): SchedulerEvents {
  const registers = [registry];
  new Gauge({
    name: "llm_queue_depth",
    help: "Requests waiting in the gateway's fair queue, by pool (this replica).",
    labelNames: ["pool"] as const,
    registers,
    collect() {
      this.reset();
      for (const p of snapshot().pools) this.set({ pool: p.name }, p.queued);
    },
  });
  const endpointGauge = (name: string, help: string, value: (e: EndpointView) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ["pool", "endpoint"] as const,
      registers,
      collect() {
        this.reset();
        for (const p of snapshot().pools)
          for (const e of p.endpoints) this.set({ pool: p.name, endpoint: e.url }, value(e));
      },
    });
  };
  endpointGauge("llm_endpoint_in_flight", "Requests this replica has on the endpoint.", (e) => e.inFlight);
  endpointGauge(
    "llm_endpoint_capacity",
    "Slots the gateway may fill on the endpoint: max_num_seqs less load seen from elsewhere.",
    (e) => e.capacity,
  );
  endpointGauge("llm_endpoint_utilization", "In-flight requests ÷ capacity (this replica).", (e) =>
    e.capacity > 0 ? e.inFlight / e.capacity : 0,
  );
  const wait = new Histogram({
    name: "llm_queue_wait_seconds",
    help: "Time requests waited in the fair queue before dispatch, by pool and tenant.",
    labelNames: ["pool", "tenant"] as const,
    buckets: WAIT_BUCKETS,
    registers,
  });
  const rejections = new Counter({
    name: "llm_queue_rejections_total",
    help: "Requests refused by the scheduler, by pool, tenant and reason (tenant_queue_full, queue_full, max_wait, store_unavailable).",
    labelNames: ["pool", "tenant", "reason"] as const,
    registers,
  });
  const served = new Counter({
    name: "llm_tenant_served_tokens_total",
    help: "Service received from the fair queue, in virtual tokens (input + 2 × output), by pool and tenant.",
    labelNames: ["pool", "tenant"] as const,
    registers,
  });
  const storeErrors = new Counter({
    name: "llm_scheduler_store_errors_total",
    help: "Failed calls to the scheduler's shared store, by operation.",
    labelNames: ["operation"] as const,
    registers,
  });
  return {
    onDispatch: (pool, tenant, waitedMs) => wait.observe({ pool, tenant }, waitedMs / 1000),
    onReject: (pool, tenant, reason) => rejections.inc({ pool, tenant, reason }),
    onServed: (pool, tenant, tokens) => {
      if (tokens > 0) served.inc({ pool, tenant }, tokens);
    },
    onStoreError: (operation) => storeErrors.inc({ operation }),
  };
}

type EndpointView = SchedulerSnapshot["pools"][number]["endpoints"][number];
