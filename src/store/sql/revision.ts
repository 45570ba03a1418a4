import { sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * Bumps the control revision inside a writer's transaction and returns the new value. The row lock
 * it takes is held until the transaction ends, so revisions are handed out in commit order: a
 * replica that reads revision N can be sure every change up to N is committed and visible.
 */
export async function bumpRevision(trx: Transaction<Database>): Promise<number> {
  const row = await trx
    .updateTable("control_revision")
    .set({ revision: sql<number>`revision + 1` })
    .where("id", "=", 1)
    .returning("revision")
    .executeTakeFirstOrThrow();
  return Number(row.revision);
}
