import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
const RANDOM_BYTES = 10;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * A request id: `req_` then 32 hex digits. The first 12 are the time in milliseconds since the Unix
 * epoch, the other 20 are random (80 bits). Ids sort by time, so the ledger's primary key (usage
 * events by request id) grows at its right edge. With fully random ids each insert touched its own
 * index page somewhere in the table. Random bytes are drawn 4 KB at a time, as randomUUID does.
 */
export function newRequestId(now = Date.now()): string {
  if (offset + RANDOM_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const random = pool.toString("hex", offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  return `req_${now.toString(16).padStart(12, "0")}${random}`;
}
