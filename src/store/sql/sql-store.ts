import { Migrator, sql, type Kysely } from "kysely";
import { migrationProvider } from "../migrations/index.js";
import type { MigrateOptions, Store } from "../port.js";
import { SqlAuditRepository } from "./audit-repository.js";
import { SqlAdminKeyRepository } from "./admin-key-repository.js";
import { SqlKeyRepository } from "./key-repository.js";
import { SqlLedgerRepository } from "./ledger-repository.js";
import type { Database } from "./schema.js";
import { SqlTenantRepository } from "./tenant-repository.js";
import { SqlSecretRepository } from "./secret-repository.js";

export interface SqlStoreOptions {
  /** PostgreSQL: tenant-scoped tables are under row-level security (see migration 003). */
  readonly rls?: boolean;
  /** PostgreSQL: grants a runtime role its rights after migrating (see postgres/grants.ts). */
  readonly grant?: (db: Kysely<Database>, role: string) => Promise<void>;
}

/** The store on a Kysely instance; the adapters differ only in the dialect they build. */
export class SqlStore implements Store {
  readonly keys: SqlKeyRepository;
  readonly tenants: SqlTenantRepository;
  readonly adminKeys: SqlAdminKeyRepository;
  readonly ledger: SqlLedgerRepository;
  readonly audit: SqlAuditRepository;
  readonly secrets: SqlSecretRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: SqlStoreOptions = {},
  ) {
    this.keys = new SqlKeyRepository(db, options.rls ?? false);
    this.tenants = new SqlTenantRepository(db, options.rls ?? false);
    this.adminKeys = new SqlAdminKeyRepository(db);
    this.ledger = new SqlLedgerRepository(db, options.rls ?? false);
    this.audit = new SqlAuditRepository(db, options.rls ?? false);
    this.secrets = new SqlSecretRepository(db, options.rls ?? false);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /**
   * Applies pending migrations. With nothing pending it only reads the bookkeeping table: Kysely's
   * migrator takes a session-level advisory lock, which must not run through PgBouncer's
   * transaction pooling at every start.
   */
  async migrate(options: MigrateOptions = {}): Promise<void> {
    if (await this.pending()) await this.runMigrations();
    if (options.appRole !== undefined && this.options.grant !== undefined) {
      await this.options.grant(this.db, options.appRole);
    }
  }

  private async pending(): Promise<boolean> {
    const known = Object.keys(await migrationProvider.getMigrations());
    try {
      const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(this.db);
      const applied = new Set(rows.map((r) => r.name));
      return known.some((name) => !applied.has(name));
    } catch {
      return true; // no bookkeeping table yet
    }
  }

  private async runMigrations(): Promise<void> {
    // Migrations of parallel work streams may land out of name order (004 after 005 and 006 were
    // released): each is independent of the others, so a missing lower one is applied late.
    const migrator = new Migrator({
      db: this.db,
      provider: migrationProvider,
      allowUnorderedMigrations: true,
    });
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
