/**
 * How to make a destructive migration safe, in the words of the framework it is written in: a Prisma migration
 * is not told about Rails `ignored_columns`, a Django one gets `SeparateDatabaseAndState`. Pure: the kind of
 * operation and the framework in, one remediation sentence out (the generic one for frameworks without advice).
 */
import type { MigrationFramework } from "./frameworks.js";

/** Per framework, how the application stops using a column before the migration that drops it. */
const IGNORE_COLUMN: Partial<Record<MigrationFramework, string>> = {
  Rails: "add the column to `self.ignored_columns` in the model and deploy",
  Django: "remove the field from the model with a `SeparateDatabaseAndState` migration (state only) and deploy, so Django stops selecting it",
  Alembic: "remove the column from the SQLAlchemy model (or mark it `deferred`) and deploy",
  Prisma: "remove the field from `schema.prisma`, regenerate the client and deploy it, keeping the column in the database",
  Knex: "remove the column from every query and `select('*')` mapping and deploy",
  TypeORM: "remove the property from the entity (or set `select: false`) and deploy",
  Sequelize: "remove the attribute from the model definition and deploy",
  "EF Core": "remove the property from the entity (or `Ignore` it in OnModelCreating) and deploy",
  Laravel: "remove the attribute from the model's queries and `$fillable` and deploy",
  Ecto: "remove the field from the schema module and deploy",
  Doctrine: "remove the mapped property from the entity and deploy",
  Drizzle: "remove the column from the table definition used by queries and deploy",
  Flyway: "remove the column from every query of the application and deploy",
  Liquibase: "remove the column from every query of the application and deploy",
};

/** Per framework, how to build an index without blocking writes (Postgres). */
const CONCURRENT_INDEX: Partial<Record<MigrationFramework, string>> = {
  Rails: "`add_index ..., algorithm: :concurrently` with `disable_ddl_transaction!` in the migration class",
  Django: "`AddIndexConcurrently` (django.contrib.postgres.operations) in a migration with `atomic = False`",
  Alembic: "`op.create_index(..., postgresql_concurrently=True)` inside `with op.get_context().autocommit_block():`",
  Prisma:
    "a migration of its own (`prisma migrate dev --create-only`, then edit migration.sql) holding only `CREATE INDEX CONCURRENTLY` (a script of several statements runs as one implicit transaction)",
  Knex: "`knex.raw('CREATE INDEX CONCURRENTLY ...')` in a migration with `exports.config = { transaction: false }`",
  Flyway: "`CREATE INDEX CONCURRENTLY` in a migration of its own, with `executeInTransaction=false` in the script's .conf file",
  Liquibase: '`CREATE INDEX CONCURRENTLY` in a `<sql>` change of a changeSet with `runInTransaction="false"`',
  TypeORM: "`CREATE INDEX CONCURRENTLY` in a migration with `transaction = false`",
  goose: "`CREATE INDEX CONCURRENTLY` under `-- +goose NO TRANSACTION`",
  "golang-migrate":
    "`CREATE INDEX CONCURRENTLY` alone in its migration file (golang-migrate's Postgres driver runs multi-statement files in one transaction)",
  Ecto: "`create index(..., concurrently: true)` with `@disable_ddl_transaction true` and `@disable_migration_lock true`",
  Laravel: "`DB::statement('CREATE INDEX CONCURRENTLY ...')` in a migration with `public $withinTransaction = false;`",
};

/** Per framework, how to take a migration out of its transaction. */
const NO_TRANSACTION: Partial<Record<MigrationFramework, string>> = {
  Rails: "`disable_ddl_transaction!` in the migration class",
  Django: "`atomic = False` on the Migration class",
  Alembic: "`with op.get_context().autocommit_block():` around the statement",
  Knex: "`exports.config = { transaction: false }`",
  Flyway: "`executeInTransaction=false` in the script's .conf file, or the statement alone in its own migration",
  Liquibase: '`runInTransaction="false"` on the changeSet',
  TypeORM: "`transaction = false` on the migration class",
  goose: "`-- +goose NO TRANSACTION`",
  Ecto: "`@disable_ddl_transaction true`",
  Laravel: "`public $withinTransaction = false;`",
};

/** The remediation for a kind of destructive operation in `framework`, or `generic` when there is nothing specific. */
export function migrationAdvice(kind: string, framework: string, generic: string): string {
  const fw = framework as MigrationFramework;
  switch (kind) {
    case "drop-column": {
      const ignore = IGNORE_COLUMN[fw];
      return ignore ? `Expand and contract: first ${ignore}; drop the column in a later migration, once no running version reads it.` : generic;
    }
    case "rename-column":
      return fw === "Django"
        ? "Add the new field, write to both (or use `db_column` to keep the old column name in the database), backfill, move readers, then remove the old field in a later release."
        : fw === "Rails"
          ? "Add the new column, write to both, backfill, move readers, add the old name to `ignored_columns`, then remove it in a later release."
          : generic;
    case "create-index": {
      const how = CONCURRENT_INDEX[fw];
      return how ? `Build the index without blocking writes: ${how}.` : generic;
    }
    case "concurrent-index-in-transaction": {
      const how = NO_TRANSACTION[fw];
      return how ? `Run it outside a transaction: ${how}.` : generic;
    }
    default:
      return generic;
  }
}
