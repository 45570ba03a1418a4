import type { Registry } from "prom-client";
import type { AuditConfig } from "../config/control-schema.js";
import type { AuditRepository } from "../store/audit-port.js";
import { auditMetrics } from "../telemetry/audit-metrics.js";
import type { Journal } from "../usage/journal/journal.js";
import { AuditTrail } from "./audit-trail.js";
import { ChainWriter } from "./chain-writer.js";
import { generateChainId } from "./open-audit.js";

/**
 * Builds this replica's audit trail: its chain (configured `audit.chain_id`, continued across
 * restarts, or a new generated one), its writer and, when a registry is given, its metrics.
 */
export function openAuditTrail(
  config: AuditConfig,
  journal: Journal,
  repository: AuditRepository,
  registry?: Registry,
): AuditTrail {
  let trail: AuditTrail | null = null;
  const events = registry === undefined ? undefined : auditMetrics(registry, () => trail?.backlog ?? 0);
  const writer = new ChainWriter(config.chain_id ?? generateChainId(), repository, {
    continueChain: config.chain_id !== undefined,
    onFork: () => events?.onFork(),
  });
  trail = new AuditTrail({
    journal,
    writer,
    batchSize: config.batch_size,
    batchIntervalMs: config.batch_interval_ms,
    drainTimeoutMs: config.drain_timeout_ms,
    events,
  });
  return trail;
}
