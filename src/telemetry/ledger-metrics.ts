import { Counter, Gauge, type Registry } from "prom-client";
import type { LedgerEvents } from "../usage/ledger.js";

/** The usage ledger's series, on the gateway's registry; `backlog` is read at scrape time. */
export function ledgerMetrics(registry: Registry, backlog: () => number): LedgerEvents {
  new Gauge({
    name: "llm_usage_journal_backlog_events",
    help: "Usage events in the local journal that the store does not have yet (grows while the store is down).",
    registers: [registry],
    collect() {
      this.set(backlog());
    },
  });
  const stored = new Counter({
    name: "llm_usage_events_stored_total",
    help: "Usage events written to the store (replayed duplicates not included).",
    registers: [registry],
  });
  const duplicates = new Counter({
    name: "llm_usage_events_duplicate_total",
    help: "Journal records replayed that the store already had (idempotent on request id; nothing counted twice).",
    registers: [registry],
  });
  const writeErrors = new Counter({
    name: "llm_usage_ledger_write_errors_total",
    help: "Failed batch writes to the store (each is retried, in order, until it succeeds).",
    registers: [registry],
  });
  const rejected = new Counter({
    name: "llm_usage_events_rejected_total",
    help: "Journal records the store refused while answering, or that are not events: kept in rejected.jsonl.",
    registers: [registry],
  });
  return {
    onStored: (records, inserted) => {
      stored.inc(inserted);
      if (records > inserted) duplicates.inc(records - inserted);
    },
    onWriteError: () => writeErrors.inc(),
    onRejected: () => rejected.inc(),
  };
}
