import type { ChangedFile } from "../engine/change.js";
import type { ReviewContext } from "../engine/context.js";
import { migrationFramework, migrationNeedsText, schemaFileKind } from "../engine/kinds/migrations.js";
import { dirname, extension } from "../engine/kinds/paths.js";
import type { TriggerHit, TriggerModule } from "../engine/types.js";
import { firstAddedLine, isIgnoredByTriggers, verbOf } from "./support.js";

/**
 * Schema migration: an added or changed migration of a known framework (Rails, Django, Alembic, Flyway,
 * Liquibase, Prisma, Knex, golang-migrate, goose, TypeORM, Sequelize, EF Core, Laravel, Ecto, Doctrine,
 * Diesel, dbmate, Drizzle, plain SQL under a migrations directory) or a whole-schema file
 * (schema.prisma, db/schema.rb, db/structure.sql). Seeds, fixtures, factories and tests never count;
 * a deleted migration is history cleanup, not a schema change.
 *
 * Review type `data`. Dimensions:
 * - `data-consistency`: expand/contract safety, rollback once data changed, locks on large tables,
 *   single writer and retention — the questions a migration must answer;
 * - `delivery-runtime`: whether old and new versions coexist during the rollout and how it rolls back.
 */
export const schemaMigration: TriggerModule = {
  id: "schema-migration",
  title: "Schema migration",
  description: "Adds or changes a database migration or schema file.",
  reviewType: "data",
  dimensions: ["data-consistency", "delivery-runtime"],
  async detect(ctx) {
    const hits: TriggerHit[] = [];
    for (const file of ctx.files) {
      if (isIgnoredByTriggers(file)) continue;
      const found = file.status === "removed" ? await removedSchemaScript(ctx, file) : await classify(ctx, file);
      if (!found) continue;
      const hit: TriggerHit = { file: file.path, reason: `${verbOf(file)} ${found} ${file.path}` };
      const line = await firstAddedLine(ctx, file);
      if (line !== undefined) hit.line = line;
      hits.push(hit);
    }
    return hits;
  },
};

async function classify(ctx: ReviewContext, file: ChangedFile): Promise<string | undefined> {
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
const DDL = /\b(CREATE|DROP|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:UNLOGGED\s+|TEMPORARY\s+|TEMP\s+)?(TABLE|SCHEMA|DATABASE|INDEX|UNIQUE\s+INDEX|TYPE|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|DOMAIN)\b/i;

/**
 * A SQL script outside any migration framework (a database init script such as
 * docker-entrypoint-initdb.d/init.sql, a schema.sql) whose changed lines create, alter or drop schema
 * objects. Queries, reports and data loads do not count; seeds and fixtures never do.
 */
async function schemaScript(ctx: ReviewContext, file: ChangedFile): Promise<string | undefined> {
  if (/(^|\/)(seeds?|seeders|fixtures|factories|testdata|samples?)\//i.test(file.path)) return undefined;
  const lines =
    file.status === "added" || file.status === "copied" || file.patch === undefined
      ? ((await ctx.text("head", file.path)) ?? "").split("\n")
      : [...ctx.removedLines(file.path), ...(await ctx.addedLines(file.path))].map((l) => l.text);
  return lines.some((l) => !/^\s*--/.test(l) && DDL.test(l)) ? "database schema script" : undefined;
}

/** A deleted SQL script that defined schema objects (a service's database going away with it). */
async function removedSchemaScript(ctx: ReviewContext, file: ChangedFile): Promise<string | undefined> {
  if (extension(file.path) !== "sql" || migrationFramework(file.path) !== undefined) return undefined;
  if (/(^|\/)(seeds?|seeders|fixtures|factories|testdata|samples?)\//i.test(file.path)) return undefined;
  const text = await ctx.text("base", file.path);
  return text !== undefined && text.split("\n").some((l) => !/^\s*--/.test(l) && DDL.test(l)) ? "database schema script" : undefined;
}
