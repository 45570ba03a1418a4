import type { UsageConfig } from "../config/usage-schema.js";
import { openFileJournal } from "./journal/file-journal.js";
import type { Journal } from "./journal/journal.js";
import { MemoryJournal } from "./journal/memory-journal.js";

/**
 * Where the journal lives: `usage.journal.dir`, else next to a SQLite file (`<file>.usage-journal`),
 * else `data/usage-journal`; null for an in-memory store (nothing outlives the process anyway).
 */
export function journalDir(usage: UsageConfig, storage: string): string | null {
  if (usage.journal.dir !== undefined) return usage.journal.dir;
  if (storage.startsWith("sqlite://")) {
    const path = storage.slice("sqlite://".length);
    return path === ":memory:" ? null : `${path}.usage-journal`;
  }
  return "data/usage-journal";
}

export async function openJournal(usage: UsageConfig, storage: string): Promise<Journal> {
  const dir = journalDir(usage, storage);
  if (dir === null) return new MemoryJournal();
  return openFileJournal({
    dir,
    fsync: usage.journal.fsync,
    fsyncIntervalMs: usage.journal.fsync_interval_ms,
    commitIntervalMs: usage.journal.commit_interval_ms,
    segmentBytes: usage.journal.segment_bytes,
  });
}
