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
      if (file.status === "removed" || isIgnoredByTriggers(file)) continue;
      const found = await classify(ctx, file);
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
  if (framework === undefined) return undefined;
  return framework === "SQL" ? "SQL migration" : `${framework} migration`;
}
