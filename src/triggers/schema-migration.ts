import type { ChangedFile } from "../engine/change.js";
import type { ReviewView, TriggerHit, TriggerModule } from "../engine/types.js";
import {
  isTrivialMigrationEdit,
  migrationFramework,
  migrationNeedsText,
  prismaSchemaSubstance,
  schemaFileKind,
  statementsAt,
} from "../formats/migrations/frameworks.js";
import { dirname, extension } from "../formats/common/paths.js";
import { changedLines, firstAddedLine, isIgnoredByTriggers, pathAt, verbOf } from "../formats/common/changed-files.js";

/**
 * Schema migration: an added or changed migration of a known framework (Rails, Django, Alembic, Flyway,
 * Liquibase, Prisma, Knex, golang-migrate, goose, TypeORM, Sequelize, EF Core, Laravel, Ecto, Doctrine,
 * Diesel, dbmate, Drizzle, plain SQL under a migrations directory) or a whole-schema file
 * (schema.prisma, db/schema.rb, db/structure.sql). Seeds, fixtures, factories and tests never count;
 * nor do edits of a Prisma schema confined to its datasource/generator blocks (client configuration);
 * a deleted migration is history cleanup, not a schema change.
 *
 * Review type `data`. Dimensions:
 * - `data-consistency`: expand/contract safety, rollback once data changed, locks on large tables,
 *   single writer and retention — the questions a migration must answer;
 * - `delivery-runtime`: whether old and new versions coexist during the rollout and how it rolls back.
 */
export const schemaMigration: TriggerModule = {
  meta: {
    id: "schema-migration",
    title: "Schema migration",
    description: "Adds or changes a database migration or schema file.",
    reviewType: "data",
    dimensions: ["data-consistency", "delivery-runtime"],
    checklist: ["data-expand-contract", "data-rollback", "data-locking", "data-single-writer", "data-retention", "runtime-coexistence"],
  },
  async detect(ctx) {
    const hits: TriggerHit[] = [];
    const untouched: string[] = [];
    for (const file of ctx.files) {
      if (isIgnoredByTriggers(file)) continue;
      const found = file.status === "removed" ? await removedSchemaScript(ctx, file) : await classify(ctx, file);
      if (!found) continue;
      if (found.endsWith(" migration") && file.status === "modified" && !(await editChangesSchema(ctx, file))) {
        untouched.push(file.path);
        continue;
      }
      if (found === "Prisma schema" && file.status === "modified" && !(await prismaModelsChanged(ctx, file))) {
        ctx.note(`${file.path}: only the datasource/generator configuration, comments or formatting changed; not counted as a schema change`);
        continue;
      }
      const hit: TriggerHit = { file: file.path, reason: `${verbOf(file)} ${found} ${file.path}` };
      const line = await firstAddedLine(ctx, file);
      if (line !== undefined) hit.line = line;
      hits.push(hit);
    }
    if (untouched.length > 0)
      ctx.note(`edits to existing migrations that only touch comments, imports, output or formatting were not counted: ${untouched.join(", ")}`);
    return hits;
  },
};

/**
 * Whether an edit of an existing migration changes what it does to the database. SQL and changelog
 * (XML/YAML/JSON) migrations: any changed statement does. Code migrations: anything but comments,
 * imports, console output and formatting (see isTrivialMigrationEdit) — a regex string prefix or a lint
 * fix does not. Unreadable edits count.
 */
async function editChangesSchema(ctx: ReviewView, file: ChangedFile): Promise<boolean> {
  const lines = await changedLines(ctx, file);
  if (!lines) return true;
  const removed = lines.removed.map((l) => l.text);
  const added = lines.added.map((l) => l.text);
  if (/^(sql|xml|ya?ml|json)$/.test(extension(file.path))) {
    return [...removed, ...added].some((t) => t.trim() !== "" && !/^\s*(--|#|\/\/|\/\*|\*|<!--)/.test(t));
  }
  return !isTrivialMigrationEdit(removed, added);
}

/** Whether a Prisma schema edit touches models, enums, views or types (not only datasource/generator blocks). */
async function prismaModelsChanged(ctx: ReviewView, file: ChangedFile): Promise<boolean> {
  const before = await ctx.text("base", pathAt(file, "base"));
  const after = await ctx.text("head", file.path);
  if (before === undefined || after === undefined) return true;
  return prismaSchemaSubstance(before) !== prismaSchemaSubstance(after);
}

async function classify(ctx: ReviewView, file: ChangedFile): Promise<string | undefined> {
  const schema = schemaFileKind(file.path);
  if (schema) return schema;
  const byPath = migrationFramework(file.path);
  const ext = extension(file.path);
  // Some layouts are shared (Knex/TypeORM/Sequelize, Alembic's versions/) or only the text tells (goose, dbmate):
  // read those few candidates; everything else is decided from the path alone.
  const worthReading =
    byPath !== undefined ? migrationNeedsText(file.path) : ext === "sql" || (ext === "py" && dirname(file.path).endsWith("versions"));
  if (!worthReading) return byPath === undefined ? undefined : `${byPath} migration`;
  const text = await ctx.text("head", file.path);
  const framework = text === undefined ? byPath : migrationFramework(file.path, text);
  if (framework === undefined) return ext === "sql" ? await schemaScript(ctx, file) : undefined;
  return framework === "SQL" ? "SQL migration" : `${framework} migration`;
}

/** DDL that creates, changes or drops schema objects. */
const DDL =
  /\b(CREATE|DROP|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:UNLOGGED\s+|TEMPORARY\s+|TEMP\s+)?(TABLE|SCHEMA|DATABASE|INDEX|UNIQUE\s+INDEX|TYPE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|DOMAIN)\b/i;

/**
 * A SQL script outside any migration framework (a database init script such as
 * docker-entrypoint-initdb.d/init.sql, a schema.sql) whose changed lines create, alter or drop schema
 * objects. Queries, reports and data loads do not count; seeds and fixtures never do.
 */
async function schemaScript(ctx: ReviewView, file: ChangedFile): Promise<string | undefined> {
  if (/(^|\/)(seeds?|seeders|fixtures|factories|testdata|samples?)\//i.test(file.path)) return undefined;
  const head = (await ctx.text("head", file.path)) ?? "";
  const changed = file.status === "modified" || file.status === "renamed" ? await changedLines(ctx, file) : undefined;
  if (!changed) return head.split("\n").some((l) => !/^\s*--/.test(l) && DDL.test(l)) ? "database schema script" : undefined;
  // A changed line is judged by the whole statement it belongs to: a column line inside CREATE TABLE is DDL.
  const base = (await ctx.text("base", pathAt(file, "base"))) ?? "";
  const statements = [
    ...statementsAt(
      base,
      changed.removed.map((l) => l.line),
    ),
    ...statementsAt(
      head,
      changed.added.map((l) => l.line),
    ),
  ];
  return statements.some((s) => DDL.test(s.text)) ? "database schema script" : undefined;
}

/** A deleted SQL script that defined schema objects (a service's database going away with it). */
async function removedSchemaScript(ctx: ReviewView, file: ChangedFile): Promise<string | undefined> {
  if (extension(file.path) !== "sql" || migrationFramework(file.path) !== undefined) return undefined;
  if (/(^|\/)(seeds?|seeders|fixtures|factories|testdata|samples?)\//i.test(file.path)) return undefined;
  const text = await ctx.text("base", file.path);
  return text?.split("\n").some((l) => !/^\s*--/.test(l) && DDL.test(l)) ? "database schema script" : undefined;
}
