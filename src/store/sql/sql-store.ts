import { Migrator, sql, type Kysely } from "kysely";
import { migrationProvider } from "../migrations/index.js";
import type { Store } from "../port.js";
import { SqlKeyRepository } from "./key-repository.js";
import type { Database } from "./schema.js";

/** The store on a Kysely instance; the adapters differ only in the dialect they build. */
export class SqlStore implements Store {
  readonly keys: SqlKeyRepository;

  constructor(private readonly db: Kysely<Database>) {
    this.keys = new SqlKeyRepository(db);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
      throw new Error(
        `migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      );
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
