import { Counter, Gauge, type Registry } from "prom-client";
import type { AuditEvents } from "../audit/audit-trail.js";

/** The audit trail's series, on the gateway's registry; `backlog` is read at scrape time. */
export function auditMetrics(registry: Registry, backlog: () => number): AuditEvents & { onFork(): void } {
  new Gauge({
    name: "llm_audit_backlog_records",
    help: "Audit records in the local journal that the store does not have yet (grows while the store is down).",
    registers: [registry],
    collect() {
      this.set(backlog());
    },
  });
  const stored = new Counter({
    name: "llm_audit_records_stored_total",
    help: "Audit records this replica stored: admin actions, and inference calls (written with their usage events).",
    registers: [registry],
  });
  const writeErrors = new Counter({
    name: "llm_audit_write_errors_total",
    help: "Failed audit batch writes (each is retried, in order, until it succeeds).",
    registers: [registry],
  });
  const rejected = new Counter({
    name: "llm_audit_records_rejected_total",
    help: "Audit journal lines that were not records: kept aside in the audit journal's rejected.jsonl.",
    registers: [registry],
  });
  const forks = new Counter({
    name: "llm_audit_chain_forks_total",
    help: "Times this replica found another writer on its configured chain id and moved to a new chain.",
    registers: [registry],
  });
  return {
    onStored: (n) => stored.inc(n),
    onWriteError: () => writeErrors.inc(),
    onRejected: () => rejected.inc(),
    onFork: () => forks.inc(),
  };
}
