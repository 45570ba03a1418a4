import type { Kysely } from "kysely";
import type { LedgerAudit, LedgerRepository, PricedTotals, UsageQuery, UsageTotals } from "../port.js";
import type { UsageEvent } from "../../usage/usage-event.js";
import { events, priced, totals } from "./ledger-reads.js";
import { seeAllTenants } from "./all-tenants.js";
import { chainHead, insertRecords } from "./audit-writes.js";
import { appendEvents } from "./ledger-writes.js";
import type { Database } from "./schema.js";
import { inTenant } from "./tenant-scope.js";

/** The usage ledger on any Kysely dialect; `rls` scopes every read to its tenant (PostgreSQL). */
export class SqlLedgerRepository implements LedgerRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly rls: boolean,
  ) {}

  append(batch: readonly UsageEvent[], audit?: LedgerAudit): Promise<number> {
    if (batch.length === 0) return Promise.resolve(0);
    return this.db.transaction().execute(async (trx) => {
      const stored = await appendEvents(trx, this.rls, batch);
      if (audit !== undefined && stored.length > 0) {
        if (this.rls) await seeAllTenants(trx);
        // read in the transaction: a batch tried again after an unknown outcome links where the chain is
        const head = await chainHead(trx, audit.chain);
        await insertRecords(trx, audit.records(head, stored));
      }
      return stored.length;
    });
  }

  totals(query: UsageQuery): Promise<UsageTotals[]> {
    return inTenant(this.db, this.rls, query.tenantId, (trx) => totals(trx, query));
  }

  priced(tenantId: string, from: Date, to: Date): Promise<PricedTotals[]> {
    return inTenant(this.db, this.rls, tenantId, (trx) => priced(trx, tenantId, from, to));
  }

  events(tenantId: string, from: Date, to: Date, limit = 10_000): Promise<UsageEvent[]> {
    return inTenant(this.db, this.rls, tenantId, (trx) => events(trx, tenantId, from, to, limit));
  }
}
