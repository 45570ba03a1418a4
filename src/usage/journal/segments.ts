import { open, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { JournalPosition } from "./journal.js";

/** Segment files: `000000000001.jsonl`, … (a new one at each start and every `segment_bytes`). */
export const segmentName = (n: number): string => `${String(n).padStart(12, "0")}.jsonl`;

export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names
    .map((n) => /^(\d{12})\.jsonl$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

const CHECKPOINT = "checkpoint.json";

export async function readCheckpoint(dir: string): Promise<JournalPosition | undefined> {
  try {
    const p = JSON.parse(await readFile(join(dir, CHECKPOINT), "utf8")) as Partial<JournalPosition>;
    if (Number.isSafeInteger(p.segment) && Number.isSafeInteger(p.offset)) return p as JournalPosition;
  } catch {
    // missing or torn: replay from the oldest segment (idempotent)
  }
  return undefined;
}

/** Written whole (temp file + rename); a lost checkpoint only means replaying more. */
export async function writeCheckpoint(dir: string, position: JournalPosition): Promise<void> {
  const tmp = join(dir, `${CHECKPOINT}.tmp`);
  await writeFile(tmp, JSON.stringify(position));
  await rename(tmp, join(dir, CHECKPOINT));
}

/** Complete (newline-terminated) records in a segment from `offset` on. */
export async function countRecords(path: string, offset: number): Promise<number> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let count = 0;
    for (let pos = offset; ;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return count;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1)) count++;
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}
