/**
 * The usage journal port: an append-only, local log of usage events that a request's event reaches
 * before the response's last bytes go out. The ledger replays it into the store in order, and a
 * checkpoint says how far the store has it. Adapters: file-journal.ts (segments on disk, group
 * commit, fsync per mode) and memory-journal.ts (an in-memory store such as `sqlite://:memory:`).
 */

/** A place in the journal: a segment number and a byte offset (or index) in it. */
export interface JournalPosition {
  readonly segment: number;
  readonly offset: number;
}

export interface JournalBatch {
  /** Complete records, oldest first. */
  readonly lines: readonly string[];
  /** Where the read after this one starts. */
  readonly next: JournalPosition;
}

export interface Journal {
  /** Where replay starts: the last checkpoint. */
  readonly start: JournalPosition;
  /** Records found after the checkpoint when the journal was opened (the tail to replay). */
  readonly backlogAtOpen: number;
  /** The last write failure, null while writes succeed. */
  readonly failure: Error | null;
  /**
   * Appends one record (a line without a newline). Resolves once it is durable — it survives a crash
   * of the process (and, per the adapter's fsync mode, of the machine); all records appended within
   * the same commit window share one write. Never rejects: a failed write is
   * retried in the background (see `failure`) and the promise resolves anyway, so that a broken disk
   * delays no response.
   */
  append(line: string): Promise<void>;
  /** Durable records from `from`, at most `max`. */
  read(from: JournalPosition, max: number): Promise<JournalBatch>;
  /** The store holds everything before `position`: records before it may be deleted. */
  checkpoint(position: JournalPosition): Promise<void>;
  /** Keeps a record the store refused (kept aside for an operator, out of the replay). */
  quarantine(line: string): Promise<void>;
  /** Called with the number of records each time records become durable. */
  onDurable(listener: (records: number) => void): void;
  /** Makes pending records durable and releases the journal. */
  close(): Promise<void>;
}
