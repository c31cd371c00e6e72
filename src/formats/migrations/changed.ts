import type { ReviewView } from "../../engine/types.js";
import type { ChangedFile } from "../../engine/change.js";
import { hasPatch } from "../../engine/patch.js";
import { isNeverJudged } from "../common/noise.js";
import { migrationFramework, migrationNeedsText, type MigrationFramework } from "./frameworks.js";
import { analyzeDjango, analyzeAlembic, type DjangoAnalysis } from "./python.js";
import { analyzeSequelize, analyzeTypeorm } from "./js-orm.js";
import { analyzeKnex } from "./knex.js";
import { analyzeLiquibase } from "./liquibase.js";
import { analyzeRails } from "./rails.js";
import { analyzeSql } from "./sql.js";
import { markConcurrentInTransaction, type MigrationAnalysis } from "./types.js";

/** A migration the PR adds or changes, with what it does. */
export interface ChangedMigration {
  file: ChangedFile;
  framework: MigrationFramework;
  analysis: MigrationAnalysis;
  /** Head lines the PR adds; undefined when the whole file is new (every line counts). */
  addedLines?: Set<number>;
}

/** Frameworks whose migrations we read; others get a note (EF Core, Laravel, Ecto, Doctrine, ...). */
const JUDGED = new Set<MigrationFramework>([
  "Rails",
  "Django",
  "Alembic",
  "Flyway",
  "Liquibase",
  "Prisma",
  "Knex",
  "Sequelize",
  "TypeORM",
  "golang-migrate",
  "goose",
  "dbmate",
  "Drizzle",
  "Diesel",
  "SQL",
]);

/** Migrations added or changed by the PR (read and analysed once per review, shared by the rules). */
export function changedMigrations(ctx: ReviewView): Promise<ChangedMigration[]> {
  return ctx.memo("migrations:changed", collect);
}

async function collect(ctx: ReviewView): Promise<ChangedMigration[]> {
  const out: ChangedMigration[] = [];
  const files = ctx.headFiles.filter((f) => ["added", "modified", "renamed", "copied"].includes(f.status));
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    if (isNeverJudged(file.path)) continue; // fixtures, vendored and generated trees: not this system's schema
    const byPath = migrationFramework(file.path);
    if (byPath === undefined && !/\/versions\/[^/]+\.py$/.test(file.path)) continue;
    const text = await ctx.text("head", file.path);
    if (text === undefined) continue; // binary / too large / unreadable: the context notes it
    const framework = migrationNeedsText(file.path) ? migrationFramework(file.path, text) : byPath;
    if (framework === undefined) continue;
    if (!JUDGED.has(framework)) {
      ctx.note(`${file.path}: ${framework} migrations are not analysed for destructive changes; review it by hand`, "not-judged");
      continue;
    }
    const analysis = await analyze(
      file.path,
      framework,
      text,
      (p) => ctx.text("base", p),
      (p) => ctx.text("head", p),
    );
    if (analysis === undefined) continue;
    let addedLines: Set<number> | undefined;
    if (file.status !== "added" && file.status !== "copied") {
      if (!hasPatch(file) && file.additions + file.deletions > 0) {
        // The source dropped the diff (GitHub does for huge ones): judge the whole file rather than nothing.
        ctx.note(`${file.path}: no diff available, so every statement of this migration was judged`);
      } else {
        addedLines = new Set((await ctx.addedLines(file.path)).map((l) => l.line));
      }
    }
    out.push({ file, framework, analysis, addedLines });
  }
  return out;
}

/** Undefined for files that are rollbacks only (golang-migrate *.down.sql, Flyway U*__ undo, Diesel down.sql). */
export async function analyze(
  path: string,
  framework: MigrationFramework,
  text: string,
  readBase: (path: string) => Promise<string | undefined> = async () => undefined,
  readHead: (path: string) => Promise<string | undefined> = async () => undefined,
): Promise<MigrationAnalysis | undefined> {
  const name = path.split("/").at(-1) ?? path;
  switch (framework) {
    case "Rails": {
      // db/migrate/x.rb → db/schema.rb (db/<name>_migrate → db/<name>_schema.rb for multiple databases).
      const schemaPath = path.replace(/\/(\w+_)?migrate\/[^/]+$/, (_, prefix: string | undefined) => `/${prefix ?? ""}schema.rb`);
      return analyzeRails(text, schemaPath !== path ? await readBase(schemaPath) : undefined);
    }
    case "Django":
      return analyzeDjango(text, djangoAppLabel(path));
    case "Alembic":
      return analyzeAlembic(text);
    case "Knex":
      return onlyPostgresIndexes(path, await analyzeKnex(text));
    case "Sequelize":
      return onlyPostgresIndexes(path, await analyzeSequelize(text));
    case "TypeORM":
      return onlyPostgresIndexes(path, await analyzeTypeorm(text));
    case "Liquibase":
      // Formatted SQL changelogs keep rollbacks in `--rollback` comments, which the SQL parser skips.
      return /\.sql$/i.test(path) ? analyzeSql(text) : analyzeLiquibase(path, text);
    case "golang-migrate":
    case "Diesel":
      return /(^|[._])down\.sql$/.test(name) ? undefined : analyzeSql(text);
    case "Flyway":
      return /^U\d/.test(name) ? undefined : analyzeSql(text);
    case "goose":
      if (!/\.sql$/.test(name)) return undefined;
      {
        const analysis = await analyzeSql(onlySection(text, /^--\s*\+goose\s+Up\b/im, /^--\s*\+goose\s+Down\b/im));
        // goose runs each migration in a transaction unless it is annotated NO TRANSACTION.
        if (!/^--\s*\+goose\s+NO\s+TRANSACTION\b/im.test(text)) markConcurrentInTransaction(analysis);
        return analysis;
      }
    case "dbmate":
      return analyzeSql(onlySection(text, /^--\s*migrate:up\b/im, /^--\s*migrate:down\b/im));
    case "Prisma": {
      const analysis = await analyzeSql(text);
      // prisma/migrations/migration_lock.toml names the database; only Postgres has CONCURRENTLY.
      const lock = await readHead(path.replace(/[^/]+\/migration\.sql$/, "migration_lock.toml"));
      const provider = lock ? /provider\s*=\s*"(\w+)"/.exec(lock)?.[1] : undefined;
      if (provider !== undefined && provider !== "postgresql") {
        analysis.ops = analysis.ops.filter((op) => op.kind !== "create-index" && op.kind !== "concurrent-index-in-transaction");
      }
      return analysis;
    }
    default:
      return analyzeSql(text);
  }
}

/**
 * Migrations kept per database (`migrations/mysql/`, `migrations/sqlite/`): only Postgres has CREATE INDEX
 * CONCURRENTLY, so an index built elsewhere is not reported for lacking it (as for Prisma's provider).
 */
function onlyPostgresIndexes(path: string, analysis: MigrationAnalysis): MigrationAnalysis {
  const dialect = path.split("/").at(-2) ?? "";
  if (/^(mysql|mariadb|sqlite|mssql|sqlserver|oracle)$/i.test(dialect)) {
    analysis.ops = analysis.ops.filter((op) => op.kind !== "create-index" && op.kind !== "concurrent-index-in-transaction");
  }
  return analysis;
}

/** Django's app label is the directory that holds `migrations/`. */
export function djangoAppLabel(path: string): string {
  const parts = path.split("/");
  return parts.at(-3) ?? "app";
}

/** Keeps the lines between `start` and `stop` markers, blanking the rest so line numbers stay exact. */
function onlySection(text: string, start: RegExp, stop: RegExp): string {
  let keep = !start.test(text); // no markers at all: the whole file is the up migration
  return text
    .split("\n")
    .map((line) => {
      if (start.test(line)) {
        keep = true;
        return "";
      }
      if (stop.test(line)) keep = false;
      return keep ? line : "";
    })
    .join("\n");
}

export type { DjangoAnalysis };
