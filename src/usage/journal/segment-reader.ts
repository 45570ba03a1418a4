import { open, stat, type FileHandle } from "node:fs/promises";
import type { JournalBatch, JournalPosition } from "./journal.js";

/**
 * Reads complete records from journal segments: the current segment up to its durable end, sealed
 * ones to their end. A sealed segment's unterminated last record (torn by a crash mid-write, before
 * it was ever acknowledged) is skipped.
 */
export class SegmentReader {
  private file: { n: number; fh: FileHandle } | null = null;
  private readonly sealedSizes = new Map<number, number>();
  private buf = Buffer.allocUnsafe(1 << 20);
  /** Bytes skipped as torn tails. */
  tornBytes = 0;

  constructor(private readonly path: (segment: number) => string) {}

  async read(
    from: JournalPosition,
    max: number,
    durable: JournalPosition,
    segments: readonly number[],
  ): Promise<JournalBatch> {
    const lines: string[] = [];
    let pos = from;
    while (lines.length < max && pos.segment <= durable.segment) {
      const current = pos.segment === durable.segment;
      const end = current ? durable.offset : await this.sealedSize(pos.segment);
      if (pos.offset >= end) {
        const next = segments.find((s) => s > pos.segment);
        if (current || next === undefined) break;
        pos = { segment: next, offset: 0 };
        continue;
      }
      const fh = await this.handle(pos.segment);
      const { bytesRead } = await fh.read(
        this.buf,
        0,
        Math.min(end - pos.offset, this.buf.length),
        pos.offset,
      );
      let consumed = 0;
      while (lines.length < max) {
        const nl = this.buf.indexOf(10, consumed);
        if (nl === -1 || nl >= bytesRead) break;
        lines.push(this.buf.toString("utf8", consumed, nl));
        consumed = nl + 1;
      }
      if (consumed > 0) {
        pos = { segment: pos.segment, offset: pos.offset + consumed };
      } else if (bytesRead === 0 || pos.offset + bytesRead >= end) {
        if (current) break;
        this.tornBytes += end - pos.offset;
        pos = { segment: pos.segment, offset: end };
      } else {
        this.buf = Buffer.allocUnsafe(this.buf.length * 2); // one record longer than the buffer
      }
    }
    return { lines, next: pos };
  }

  /** Forgets segments before `segment` (deleted after a checkpoint). */
  async forget(segment: number): Promise<void> {
    for (const n of this.sealedSizes.keys()) if (n < segment) this.sealedSizes.delete(n);
    if (this.file !== null && this.file.n < segment) await this.closeFile();
  }

  async close(): Promise<void> {
    await this.closeFile();
  }

  private async sealedSize(n: number): Promise<number> {
    let size = this.sealedSizes.get(n);
    if (size === undefined) {
      size = await stat(this.path(n)).then(
        (s) => s.size,
        () => 0,
      );
      this.sealedSizes.set(n, size);
    }
    return size;
  }

  private async handle(n: number): Promise<FileHandle> {
    if (this.file?.n === n) return this.file.fh;
    await this.closeFile();
    this.file = { n, fh: await open(this.path(n), "r") };
    return this.file.fh;
  }

  private async closeFile(): Promise<void> {
    const f = this.file;
    this.file = null;
    await f?.fh.close().catch(() => undefined);
  }
}
