import { hostname, userInfo } from "node:os";
import type { AuditLog } from "../audit/audit-log.js";
import { AuditTrail } from "../audit/audit-trail.js";
import { ChainWriter } from "../audit/chain-writer.js";
import { generateChainId } from "../audit/open-audit.js";
import type { Store } from "../store/port.js";
import type { AuditActor } from "../tenancy/admin-audit.js";
import { MemoryJournal } from "../usage/journal/memory-journal.js";

/** Who runs the CLI, as the audit trail names them: "cli:<os user>@<host>". */
function cliActor(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return `cli:${user}@${hostname()}`;
}

/**
 * Runs a CLI action that changes the store with an audit trail of its own (a chain per invocation,
 * `cli-<host>-<random>`), and stores its records before returning: a command's change and its audit
 * record are both in the store when the command exits (or the command fails). `actor` is who the
 * records name: the CLI's user, with no source address (the change is local).
 */
export async function withCliAudit<T>(
  store: Store,
  fn: (audit: AuditLog, actor: AuditActor) => Promise<T>,
): Promise<T> {
  const trail = new AuditTrail({
    journal: new MemoryJournal(),
    writer: new ChainWriter(`cli-${generateChainId()}`, store.audit, { continueChain: false }),
    batchSize: 100,
    batchIntervalMs: 0,
    drainTimeoutMs: 10_000,
  });
  trail.start();
  try {
    const result = await fn(trail, { id: cliActor(), sourceIp: null });
    await trail.flush(10_000);
    return result;
  } finally {
    await trail.close();
  }
}
