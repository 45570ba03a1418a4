import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import type { AuditConfig } from "../config/control-schema.js";
import type { UsageConfig } from "../config/usage-schema.js";
import { openFileJournal } from "../usage/journal/file-journal.js";
import type { Journal } from "../usage/journal/journal.js";
import { MemoryJournal } from "../usage/journal/memory-journal.js";
import { journalDir } from "../usage/open-journal.js";

/** A chain id for this start: the host name (for people reading the trail) and a random part. */
export function generateChainId(host = hostname()): string {
  const name = host
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 40);
  return `${name || "replica"}-${randomBytes(6).toString("hex")}`;
}

/** `audit.journal_dir`, else `audit/` inside the usage journal's directory; null for an in-memory store. */
export function auditJournalDir(audit: AuditConfig, usage: UsageConfig, storage: string): string | null {
  if (audit.journal_dir !== undefined) return audit.journal_dir;
  const usageDir = journalDir(usage, storage);
  return usageDir === null ? null : join(usageDir, "audit");
}

/** The audit trail's own journal (its own LOCK), with the usage journal's durability settings. */
export async function openAuditJournal(
  audit: AuditConfig,
  usage: UsageConfig,
  storage: string,
): Promise<Journal> {
  const dir = auditJournalDir(audit, usage, storage);
  if (dir === null) return new MemoryJournal();
  return openFileJournal({
    dir,
    fsync: usage.journal.fsync,
    fsyncIntervalMs: usage.journal.fsync_interval_ms,
    commitIntervalMs: usage.journal.commit_interval_ms,
    segmentBytes: usage.journal.segment_bytes,
  });
}
