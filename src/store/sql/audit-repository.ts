import { sql, type Kysely, type Selectable, type SelectQueryBuilder } from "kysely";
import type { AuditQuery } from "../../audit/audit-log.js";
import type { AuditRecord } from "../../audit/chain.js";
import type { AuditRepository, AuditScan, ChainHead } from "../audit-port.js";
import { acrossTenants } from "./all-tenants.js";
import { chainHead, insertRecords } from "./audit-writes.js";
import type { AuditLogTable } from "./control-tables.js";
import type { Database } from "./schema.js";
import { inTenant } from "./tenant-scope.js";

const MAX_LIMIT = 10_000;

type Query = SelectQueryBuilder<Database, "audit_log", Selectable<AuditLogTable>>;

function fromRow(row: Selectable<AuditLogTable>): AuditRecord {
  return {
    chain: row.chain,
    seq: Number(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
    time: row.time,
    actor: row.actor,
    action: row.action,
    tenant: row.tenant_id,
    target: row.target,
    sourceIp: row.source_ip,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

function timeRange(s: Query, from: Date | undefined, to: Date | undefined): Query {
  let q = s;
  if (from !== undefined) q = q.where("time", ">=", from.toISOString());
  if (to !== undefined) q = q.where("time", "<", to.toISOString());
  return q;
}

/** `action` matches exactly, or by prefix when it ends with `*` ("key.*"). */
function byAction(s: Query, action: string): Query {
  if (!action.endsWith("*")) return s.where("action", "=", action);
  const prefix = action.slice(0, -1);
  return s.where(sql<boolean>`substr(action, 1, ${prefix.length}) = ${prefix}`);
}

/** The audit trail on any Kysely dialect; `rls` (PostgreSQL) scopes reads to a tenant or, explicitly, to all. */
export class SqlAuditRepository implements AuditRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rls: boolean,
  ) {}

  head(chain: string): Promise<ChainHead | null> {
    return acrossTenants(this.db, this.rls, (trx) => chainHead(trx, chain));
  }

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await acrossTenants(this.db, this.rls, (trx) => insertRecords(trx, records));
  }

  query(q: AuditQuery): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(1, q.limit ?? 100), MAX_LIMIT);
    return this.read(q.tenant, async (trx) => {
      let s: Query = trx.selectFrom("audit_log").selectAll();
      if (q.tenant !== undefined) s = s.where("tenant_id", "=", q.tenant);
      if (q.actor !== undefined) s = s.where("actor", "=", q.actor);
      if (q.action !== undefined) s = byAction(s, q.action);
      s = timeRange(s, q.from, q.to);
      const b = q.before;
      if (b !== undefined) s = s.where(sql<boolean>`(time, chain, seq) < (${b.time}, ${b.chain}, ${b.seq})`);
      const rows = await s
        .orderBy("time", "desc")
        .orderBy("chain", "desc")
        .orderBy("seq", "desc")
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    });
  }

  scan(q: AuditScan, limit: number): Promise<AuditRecord[]> {
    return this.read(q.tenant, async (trx) => {
      let s: Query = trx.selectFrom("audit_log").selectAll();
      if (q.tenant !== undefined) s = s.where("tenant_id", "=", q.tenant);
      if (q.chain !== undefined) s = s.where("chain", "=", q.chain);
      s = timeRange(s, q.from, q.to);
      const a = q.after;
      if (a !== undefined) s = s.where(sql<boolean>`(chain, seq) > (${a.chain}, ${a.seq})`);
      const rows = await s
        .orderBy("chain")
        .orderBy("seq")
        .limit(Math.min(Math.max(1, limit), MAX_LIMIT))
        .execute();
      return rows.map(fromRow);
    });
  }

  private read<T>(tenant: string | undefined, fn: Parameters<typeof acrossTenants<T>>[2]): Promise<T> {
    return tenant === undefined
      ? acrossTenants(this.db, this.rls, fn)
      : inTenant(this.db, this.rls, tenant, fn);
  }
}
