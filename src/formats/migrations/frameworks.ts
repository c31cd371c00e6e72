/**
 * Database migration and schema files, by framework. Path conventions decide; the text, when given,
 * settles the cases where two frameworks share a layout (Knex/Sequelize/TypeORM, goose/dbmate).
 */
import { basename, extension, segments } from "../common/paths.js";

export type MigrationFramework =
  | "Rails"
  | "Django"
  | "Alembic"
  | "Flyway"
  | "Liquibase"
  | "Prisma"
  | "Knex"
  | "golang-migrate"
  | "goose"
  | "TypeORM"
  | "Sequelize"
  | "EF Core"
  | "Laravel"
  | "Ecto"
  | "Doctrine"
  | "Diesel"
  | "dbmate"
  | "Drizzle"
  | "SQL";

/** Directory names where plain SQL migrations live. */
const MIGRATION_DIR = /^(migrations?|migrate|db[-_]?migrations?|schema[-_]?migrations?|sql[-_]?migrations?)$/i;
/** One folder of migrations per database under a migrations folder (TypeORM projects: migrations/mysql/, migrations/sqlite/). */
const DIALECT_DIR = /^(mysql|mariadb|postgres|postgresql|pg|sqlite|mssql|sqlserver|oracle|cockroachdb)$/i;
/** Data loading, not schema change. */
const NOT_MIGRATION_DIR = /^(seeds?|seeders|fixtures|factories|testdata|samples?)$/i;

/**
 * The migration framework `path` belongs to, or undefined when it is not a migration file. Seeds,
 * fixtures and factories are never migrations; tests are filtered by the caller (see noise.ts).
 */
export function migrationFramework(path: string, text?: string): MigrationFramework | undefined {
  const parts = segments(path);
  const dirs = parts.slice(0, -1);
  const name = basename(path);
  const ext = extension(path);
  const parent = dirs.at(-1) ?? "";
  if (dirs.some((d) => NOT_MIGRATION_DIR.test(d))) return undefined;

  // Rails: db/migrate/20240101000000_add_x.rb (and db/<name>_migrate for multiple databases).
  if (ext === "rb" && /^(migrate|\w+_migrate)$/.test(parent) && dirs.at(-2) === "db" && /^\d+_\w+\.rb$/.test(name)) return "Rails";
  // Django: <app>/migrations/0001_initial.py
  if (ext === "py" && parent === "migrations" && /^\d{4}_\w+\.py$/.test(name)) return "Django";
  // Alembic: alembic/versions/<rev>_x.py (or migrations/versions/ as Flask-Migrate lays it out).
  if (ext === "py" && parent === "versions" && name !== "__init__.py") {
    if (text !== undefined) return /\bdown_revision\b|from alembic import|import alembic/.test(text) ? "Alembic" : undefined;
    if (dirs.some((d) => /^(alembic|migrations?|db|database)$/i.test(d))) return "Alembic";
    return undefined;
  }
  // Flyway: V1__init.sql, V2_1__x.sql, R__views.sql, U3__undo.sql; Java migrations under db/migration.
  if (/^[VU]\d+(?:[._]\d+)*__\w[\w.-]*\.sql$/.test(name) || /^R__\w[\w.-]*\.sql$/.test(name)) return "Flyway";
  if ((ext === "java" || ext === "kt") && /^V\d+(?:_\d+)*__\w+\.(java|kt)$/.test(name) && parent === "migration") return "Flyway";
  // Liquibase changelogs.
  if (
    /^(db\.)?changelog[\w.-]*\.(xml|ya?ml|json|sql)$/i.test(name) ||
    (dirs.some((d) => /^(changelogs?|liquibase)$/i.test(d)) && /^(xml|ya?ml|json|sql)$/.test(ext))
  ) {
    if (text === undefined || /databaseChangeLog|--\s*liquibase formatted sql|<changeSet\b/i.test(text)) return "Liquibase";
  }
  // Prisma: prisma/migrations/20240101_x/migration.sql
  if (name === "migration.sql" && dirs.at(-2) === "migrations") return "Prisma";
  // Diesel: migrations/2024-01-01-000000_x/up.sql
  if ((name === "up.sql" || name === "down.sql") && dirs.at(-2) === "migrations") return "Diesel";
  // golang-migrate: 000001_create_users.up.sql
  if (/^\d+_[\w-]+\.(up|down)\.sql$/.test(name)) return "golang-migrate";
  // EF Core: Migrations/20240101000000_AddX.cs, also in per-context folders (`dotnet ef migrations add
  // -o Infrastructure/CatalogMigrations`). The Designer and snapshot files are generated companions.
  if (ext === "cs" && /^\d{14}_\w+\.cs$/.test(name) && dirs.some((d) => /migrations$/i.test(d))) return "EF Core";
  // Laravel: database/migrations/2024_01_01_000000_create_x_table.php
  if (ext === "php" && parent === "migrations" && /^\d{4}_\d{2}_\d{2}_\d{6}_\w+\.php$/.test(name)) return "Laravel";
  // Doctrine: migrations/Version20240101000000.php
  if (ext === "php" && /^(migrations|DoctrineMigrations)$/i.test(parent) && /^Version\d+\.php$/.test(name)) return "Doctrine";
  // Ecto: priv/repo/migrations/20240101000000_x.exs
  if (ext === "exs" && parent === "migrations" && /^\d+_\w+\.exs$/.test(name)) return "Ecto";
  // JS/TS frameworks share migrations/<timestamp>… layouts: the text tells them apart, the name format otherwise.
  const jsMigrationDir = MIGRATION_DIR.test(parent) || (DIALECT_DIR.test(parent) && MIGRATION_DIR.test(dirs.at(-2) ?? ""));
  if (/^(js|ts|mjs|cjs)$/.test(ext) && jsMigrationDir && /^\d{8,}/.test(name)) {
    if (text !== undefined) {
      if (/MigrationInterface|from ["']typeorm["']/.test(text)) return "TypeORM";
      if (/queryInterface|from ["']sequelize["']|require\(["']sequelize["']\)/.test(text)) return "Sequelize";
      if (/\bknex\b|exports\.up|export (async )?function up/.test(text)) return "Knex";
      return undefined;
    }
    if (/^\d{13}-\w+/.test(name)) return "TypeORM";
    if (/^\d{14}-/.test(name)) return "Sequelize";
    if (/^\d{14}_/.test(name)) return "Knex";
    return undefined;
  }
  // goose Go migrations: migrations/20240101000000_x.go registering with goose.
  if (ext === "go" && MIGRATION_DIR.test(parent) && /^\d+_\w+\.go$/.test(name)) {
    return text === undefined || /goose\./.test(text) ? "goose" : undefined;
  }
  if (ext === "sql") {
    if (text !== undefined && /^--\s*\+goose\s+(Up|Down)/im.test(text)) return "goose";
    if (text !== undefined && /^--\s*migrate:(up|down)/im.test(text)) return "dbmate";
    // Drizzle: drizzle/0000_name.sql
    if (parent === "drizzle" && /^\d{4}_\w+\.sql$/.test(name)) return "Drizzle";
    if (dirs.some((d) => MIGRATION_DIR.test(d))) {
      if (/^\d+_\w[\w.-]*\.sql$/.test(name)) return text === undefined ? "goose" : "SQL";
      return "SQL";
    }
  }
  return undefined;
}

export type SchemaFileKind = "Prisma schema" | "Rails schema" | "SQL structure dump" | "EF Core model snapshot";

/** Whole-schema files kept next to migrations: schema.prisma, db/schema.rb, db/structure.sql. */
export function schemaFileKind(path: string): SchemaFileKind | undefined {
  const name = basename(path);
  const dirs = segments(path).slice(0, -1);
  if (name === "schema.prisma" || (extension(path) === "prisma" && dirs.at(-1) === "schema" && dirs.includes("prisma"))) return "Prisma schema";
  if (dirs.at(-1) === "db" && (name === "schema.rb" || /^\w+_schema\.rb$/.test(name))) return "Rails schema";
  if (dirs.at(-1) === "db" && (name === "structure.sql" || /^\w+_structure\.sql$/.test(name))) return "SQL structure dump";
  return undefined;
}

/**
 * What a Prisma schema says about the database: its models, enums, views and types, without the
 * `datasource` and `generator` blocks (client and connection configuration: provider, url,
 * relationMode, previewFeatures, output), comments and formatting.
 */
export function prismaSchemaSubstance(text: string): string {
  return text
    .replace(/(^|\s)\/\/[^\n]*/g, "$1")
    .replace(/^[ \t]*(datasource|generator)\s+\w+\s*\{[\s\S]*?^[ \t]*\}/gm, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** True when the framework needs the file text to be sure (used to decide whether to read it). */
export function migrationNeedsText(path: string): boolean {
  const ext = extension(path);
  return ext === "sql" || ext === "py" || ext === "go" || /^(js|ts|mjs|cjs)$/.test(ext) || /^(xml|ya?ml|json)$/.test(ext);
}

export interface SqlStatement {
  /** 1-based first and last line. */
  line: number;
  endLine: number;
  /** The statement without comments. */
  text: string;
}

/**
 * The statements of a SQL script with their line ranges: split at `;` outside quotes, quoted
 * identifiers, dollar-quoted bodies and comments. The text after the last `;` is a statement too.
 */
export function sqlStatements(text: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let line = 1;
  let start = 1;
  let current = "";
  let i = 0;
  const n = text.length;
  const flush = () => {
    if (current.trim() !== "") out.push({ line: start, endLine: line, text: current.trim() });
    current = "";
  };
  while (i < n) {
    const c = text[i]!;
    if (current.trim() === "" && c !== "\n") start = line;
    if (c === "\n") {
      line++;
      current += c;
      i++;
    } else if (c === "-" && text[i + 1] === "-") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (text[k] === "\n") line++;
      current += " ";
      i = stop;
    } else if (c === "'" || c === '"' || c === "`") {
      let k = i + 1;
      while (k < n && !(text[k] === c && text[k + 1] !== c)) k += text[k] === c ? 2 : text[k] === "\\" && c === "'" ? 2 : 1;
      const stop = Math.min(k + 1, n);
      const quoted = text.slice(i, stop);
      for (const ch of quoted) if (ch === "\n") line++;
      current += quoted;
      i = stop;
    } else if (c === "$" && /^\$[A-Za-z_]?\w*\$/.test(text.slice(i, i + 64))) {
      const tag = /^\$[A-Za-z_]?\w*\$/.exec(text.slice(i, i + 64))![0];
      const end = text.indexOf(tag, i + tag.length);
      const stop = end < 0 ? n : end + tag.length;
      const body = text.slice(i, stop);
      for (const ch of body) if (ch === "\n") line++;
      current += body;
      i = stop;
    } else if (c === ";") {
      current += c;
      i++;
      flush();
    } else {
      current += c;
      i++;
    }
  }
  flush();
  return out;
}

/** The statements of `text` that contain any of `lines` (1-based). */
export function statementsAt(text: string, lines: readonly number[]): SqlStatement[] {
  if (lines.length === 0) return [];
  const wanted = new Set(lines);
  return sqlStatements(text).filter((s) => {
    for (let l = s.line; l <= s.endLine; l++) if (wanted.has(l)) return true;
    return false;
  });
}

/** One line of code without its comment (`#`, `//`, `--` outside quotes) and without any whitespace. */
function codeOf(line: string): string {
  let out = "";
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      out += c;
      if (c === "\\") out += line[++i] ?? "";
      else if (c === quote) quote = undefined;
    } else if (c === "#" || (c === "/" && line[i + 1] === "/") || (c === "-" && line[i + 1] === "-" && /^\s*$/.test(out))) {
      break;
    } else {
      if (c === '"' || c === "'" || c === "`") quote = c;
      out += c;
    }
  }
  return out
    .replace(/(^|[^\w])[rRuUbB]{1,2}(?=["'])/g, "$1") // r"…", u'…', b"…": the same literal here
    .replace(/(^|[\s(,{]):(\w+)\s*=>/g, "$1$2:") // Ruby `:default => false` is `default: false`
    .replace(/'/g, '"')
    .replace(/\s+/g, "");
}

/**
 * A one-line Python `def` without its type annotations (`def f(apps: StateApps, x: int = 1) -> None:`
 * is `def f(apps, x = 1):`): annotations are for type checkers, the migration runs the same. Other
 * lines are returned unchanged.
 */
export function withoutPythonAnnotations(line: string): string {
  const head = /^(\s*(?:async\s+)?def\s+\w+\s*)\(/.exec(line);
  if (!head) return line;
  const params: string[] = [];
  let depth = 0;
  let quote = "";
  let current = "";
  let i = head[0].length;
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) break;
      depth--;
    } else if (c === "," && depth === 0) {
      params.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  if (i >= line.length) return line; // signature continues on the next lines
  params.push(current);
  const rest = line.slice(i + 1).replace(/^\s*->[^:]*:/, ":");
  const bare = params.map((p) => {
    const eq = topLevelIndex(p, "=");
    const colon = topLevelIndex(p, ":");
    if (colon < 0 || (eq >= 0 && eq < colon)) return p.trim();
    return (p.slice(0, colon) + (eq >= 0 ? `=${p.slice(eq + 1)}` : "")).trim();
  });
  return `${head[1]}(${bare.filter((p) => p !== "").join(", ")})${rest}`;
}

function topLevelIndex(text: string, char: string): number {
  let depth = 0;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === char && depth === 0) return i;
  }
  return -1;
}

/** Imports and console output: lines that change what a migration prints or loads, not what it does. */
const INERT_LINE =
  /^(import\s|from\s+[\w.]+\s+import\s|require(_relative)?[\s(]|using\s|use\s|puts\b|print\b|say\b|console\.log\b|(logger|logging|log|LOGGER)\.\w+\(|fmt\.Print)/;

/**
 * True when an edit of an existing code migration changes nothing it does: every changed line is blank,
 * a comment, an import or console output, or pairs (once Python `def` type annotations are set aside) with a line of the other side that is the same once
 * whitespace, trailing commas, comments, quote style, string prefixes (`r"…"`) and Ruby hash-rocket
 * keys (`:null => false`) are set aside, or whose lines are the same code re-wrapped or reordered (a
 * formatter or linter run). Anything else — a schema operation, a column option, a backfill's values,
 * a guard, the revision links — changes what the migration does to a database that has not run it yet.
 */
export function isTrivialMigrationEdit(removed: readonly string[], added: readonly string[]): boolean {
  const significant = (lines: readonly string[]) =>
    lines
      .filter((l) => !INERT_LINE.test(l.trim()))
      .map(withoutPythonAnnotations)
      .map(codeOf)
      .filter((l) => l !== "");
  const withoutTrailingCommas = (code: string) => code.replace(/,(?=[)\]}]|$)/g, "");
  const before = significant(removed);
  const after = significant(added);
  // The same code re-wrapped over other lines (a formatter adds and drops separators at line ends, and
  // the closing bracket may be an unchanged line), or the same lines in another order.
  const unwrapped = (lines: string[]) => lines.join("").replace(/,/g, "");
  if (unwrapped(before) === unwrapped(after)) return true;
  const a = before.map(withoutTrailingCommas).sort();
  const b = after.map(withoutTrailingCommas).sort();
  return a.length === b.length && a.every((l, i) => l === b[i]);
}
