import type { AuditConfig } from "../config/control-schema.js";
import type { AuditRepository } from "../store/audit-port.js";
import type { Journal } from "../usage/journal/journal.js";
import { AuditTrail, type AuditEvents } from "./audit-trail.js";
import { ChainWriter } from "./chain-writer.js";
import { generateChainId } from "./open-audit.js";

/**
 * Builds this replica's audit trail: its chain (`chainId`: the configured `audit.chain_id`, continued
 * across restarts, or a new generated one), its writer and what it reports to (metrics).
 */
export function openAuditTrail(
  config: AuditConfig,
  journal: Journal,
  repository: Pick<AuditRepository, "head" | "append">,
  options: { readonly chainId?: string; readonly events?: AuditEvents & { onFork(): void } } = {},
): AuditTrail {
  const { events, chainId = config.chain_id ?? generateChainId() } = options;
  const writer = new ChainWriter(chainId, repository, {
    continueChain: config.chain_id !== undefined,
    onFork: () => events?.onFork(),
  });
  return new AuditTrail({
    journal,
    writer,
    batchSize: config.batch_size,
    batchIntervalMs: config.batch_interval_ms,
    drainTimeoutMs: config.drain_timeout_ms,
    events,
  });
}
