import type { Insertable, Transaction } from "kysely";
import type { AuditRecord } from "../../audit/chain.js";
import type { ChainHead } from "../audit-port.js";
import { chunks } from "./chunks.js";
import type { AuditLogTable } from "./control-tables.js";
import type { Database } from "./schema.js";

/** Rows per INSERT: 11 parameters each, well under SQLite's and PostgreSQL's bounds. */
const ROWS_PER_STATEMENT = 500;

function toRow(r: AuditRecord): Insertable<AuditLogTable> {
  return {
    chain: r.chain,
    seq: r.seq,
    prev_hash: r.prevHash,
    hash: r.hash,
    time: r.time,
    actor: r.actor,
    action: r.action,
    tenant_id: r.tenant,
    target: r.target,
    source_ip: r.sourceIp,
    data: JSON.stringify(r.data),
  };
}

/** The last record of `chain` (the transaction must see every tenant's rows: acrossTenants). */
export async function chainHead(trx: Transaction<Database>, chain: string): Promise<ChainHead | null> {
  const row = await trx
    .selectFrom("audit_log")
    .select(["seq", "hash"])
    .where("chain", "=", chain)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? null : { seq: Number(row.seq), hash: row.hash };
}

/** Inserts linked records; fails (whole transaction) if a (chain, seq) exists already. */
export async function insertRecords(
  trx: Transaction<Database>,
  records: readonly AuditRecord[],
): Promise<void> {
  for (const chunk of chunks(records, ROWS_PER_STATEMENT)) {
    await trx.insertInto("audit_log").values(chunk.map(toRow)).execute();
  }
}
