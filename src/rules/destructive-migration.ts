import { z } from "zod";
import { defineRule, type RuleContext } from "../engine/types.js";
import { migrationFramework } from "../formats/migrations/frameworks.js";
import { migrationAdvice } from "../formats/migrations/advice.js";
import { changedMigrations, djangoAppLabel, type ChangedMigration } from "../formats/migrations/changed.js";
import { analyzeDjango, djangoTypeChanges, type DjangoAnalysis, type DjangoField } from "../formats/migrations/python.js";
import { tableKey, type MigrationOp } from "../formats/migrations/types.js";
import {
  analyzeSequelize,
  previousColumn,
  sequelizeTypeChanges,
  type SequelizeAnalysis,
  type SequelizeColumnEvent,
} from "../formats/migrations/js-orm.js";

const options = z
  .object({
    /**
     * Index creation that blocks writes (Postgres CREATE INDEX without CONCURRENTLY, Rails add_index
     * without `algorithm: :concurrently`, ...), and CONCURRENTLY inside an explicit transaction block.
     */
    concurrentIndex: z
      .enum(["warning", "error", "off"])
      .default("warning")
      .describe("Severity for index creation that blocks writes (no CONCURRENTLY) and for CREATE INDEX CONCURRENTLY inside BEGIN/COMMIT."),
  })
  .strict();

/** Finding messages by operation kind; `{{framework}}` names the migration tool. */
const messages = {
  "drop-table": "{{framework}} migration drops table `{{table}}`: running code that still reads it fails, and the data is gone",
  "rename-table": "{{framework}} migration renames table `{{table}}`{{renamedTo}}: code deployed before the migration still uses the old name",
  "drop-column": "{{framework}} migration drops column `{{table}}.{{column}}`: running code that selects it fails, and the data is gone",
  "rename-column":
    "{{framework}} migration renames column `{{table}}.{{column}}`{{renamedTo}}: code deployed before the migration still uses the old name",
  "change-column-type":
    "{{framework}} migration changes the type of `{{table}}.{{column}}`{{newType}}: rewrites the table under an exclusive lock and can break readers",
  "add-not-null-column":
    "{{framework}} migration adds NOT NULL column `{{table}}.{{column}}` without a default: fails on a table that has rows, and breaks inserts from running code",
  "set-not-null":
    "{{framework}} migration sets NOT NULL on existing column `{{table}}.{{column}}`: scans the table under an exclusive lock and fails if any row is NULL",
  "create-index": "{{framework}} migration creates an index on `{{table}}` without CONCURRENTLY: blocks writes to the table while the index builds",
  "concurrent-index-in-transaction":
    "{{framework}} migration creates an index on `{{table}}` CONCURRENTLY inside a transaction (BEGIN ... COMMIT or the framework's per-migration transaction): Postgres refuses to run it",
} as const;
type JudgedKind = keyof typeof messages;

const REMEDIATION: Record<JudgedKind, string> = {
  "drop-table": "Stop reading and writing the table in a release first, keep a backup, then drop it in a later migration.",
  "rename-table": "Create the new table (or a view), write to both, move readers, then drop the old one (expand and contract).",
  "drop-column": "Make the application ignore the column first (e.g. Rails ignored_columns), deploy, then drop it in a later migration.",
  "rename-column": "Add the new column, write to both, backfill, move readers, then drop the old column in a later release.",
  "change-column-type": "Add a column of the new type, backfill in batches, switch readers and writers, then drop the old column.",
  "add-not-null-column":
    "Add the column as nullable (or with a default), backfill, then add the NOT NULL constraint (Postgres: a NOT VALID check constraint, validated separately).",
  "set-not-null": "Backfill first; on Postgres add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL (no scan needed).",
  "create-index":
    "Postgres: CREATE INDEX CONCURRENTLY outside a transaction (Rails: algorithm: :concurrently with disable_ddl_transaction!; Django: AddIndexConcurrently; Alembic: postgresql_concurrently=True).",
  "concurrent-index-in-transaction":
    "Run it outside a transaction: Rails disable_ddl_transaction!, Django atomic = False, Alembic autocommit_block(), goose -- +goose NO TRANSACTION, or move it out of BEGIN ... COMMIT.",
};

function messageData(framework: string, op: MigrationOp): Record<string, string> {
  return {
    framework,
    table: op.table,
    column: op.column ?? "",
    renamedTo: op.newName ? ` to \`${op.newName}\`` : "",
    newType: op.detail ? ` to ${op.detail}` : "",
  };
}

const ERROR_KINDS = new Set<string>([
  "drop-table",
  "rename-table",
  "drop-column",
  "rename-column",
  "change-column-type",
  "add-not-null-column",
  "set-not-null",
]);
const INDEX_KINDS = new Set<string>(["create-index", "concurrent-index-in-transaction"]);

export const destructiveMigration = defineRule({
  meta: {
    id: "destructive-migration",
    title: "Destructive migration",
    category: "data",
    defaultSeverity: "error",
    description:
      "A migration added or changed by the PR drops or renames a table or column, changes a column type, or adds NOT NULL without a default to an existing table; index builds that block writes are warnings.",
    options,
    messages,
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const migrations = await changedMigrations(ctx);
    // Tables created earlier in this PR (earlier file, or earlier line of the same file) are not "existing".
    const created = new Map<string, { path: string; line: number }>();
    const isNew = (table: string, m: ChangedMigration, line: number) => {
      const at = created.get(tableKey(table));
      return at !== undefined && (at.path !== m.file.path || at.line <= line);
    };
    for (const m of migrations) {
      reportIssues(ctx, m);
      const ops = [...m.analysis.ops];
      if (m.framework === "Django") ops.push(...(await djangoFieldChanges(ctx, m)));
      if (m.framework === "Sequelize") ops.push(...(await sequelizeColumnChanges(ctx, m)));
      for (const op of ops.sort((a, b) => a.line - b.line)) {
        if (op.kind === "create-table") {
          if (!created.has(tableKey(op.table))) created.set(tableKey(op.table), { path: m.file.path, line: op.line });
          continue;
        }
        if (m.addedLines && !m.addedLines.has(op.line)) continue;
        if (!ERROR_KINDS.has(op.kind) && !INDEX_KINDS.has(op.kind)) continue;
        if (isNew(op.table, m, op.line)) continue;
        if (op.kind === "drop-table" && isTableRebuild(op, ops, (t, line) => isNew(t, m, line))) continue;
        if (INDEX_KINDS.has(op.kind)) {
          if (opts.concurrentIndex === "off" || (op.kind === "create-index" && op.concurrent)) continue;
        }
        const kind = op.kind as JudgedKind;
        ctx.report({
          messageId: kind,
          data: messageData(m.framework, op),
          file: m.file.path,
          line: op.line,
          remediation: migrationAdvice(kind, m.framework, REMEDIATION[kind]),
          key: `${op.kind}:${tableKey(op.table)}${op.column ? `.${op.column.toLowerCase()}` : ""}`,
          ...(INDEX_KINDS.has(op.kind) && opts.concurrentIndex === "warning" ? { advisory: true } : {}),
        });
      }
    }
  },
});

function reportIssues(ctx: RuleContext, m: ChangedMigration): void {
  for (const issue of m.analysis.issues) {
    if (m.addedLines && !m.addedLines.has(issue.line)) continue;
    if (issue.mayHideChange)
      ctx.problem({ file: m.file.path, line: issue.line, message: `could not judge ${m.file.path}:${issue.line}: ${issue.message}` });
    else ctx.note(`${m.file.path}:${issue.line}: ${issue.message}; not judged`, "not-judged");
  }
}

/**
 * A quote followed, after blanks, line breaks and comments only, by another (with an optional prefix such as `r`):
 * where Python may join two literals into one. Also true of every `""`, which costs a parse, never a field.
 */
const SPLIT_LITERAL = /["'](?:\s|#[^\n]*\n)*[rRbBuU]{0,2}["']/;

/**
 * Django AlterField: compared with the field's previous definition in earlier migrations of the same app
 * (a different field class is a type change; null=True → null=False is SET NOT NULL).
 */
async function djangoFieldChanges(ctx: RuleContext, m: ChangedMigration): Promise<MigrationOp[]> {
  const analysis = m.analysis as DjangoAnalysis;
  if (analysis.alteredFields.length === 0) return [];
  const app = djangoAppLabel(m.file.path);
  const dir = m.file.path.slice(0, m.file.path.lastIndexOf("/") + 1);
  const earlier = (await ctx.paths("head"))
    .filter((p) => p.startsWith(dir) && !p.slice(dir.length).includes("/") && p < m.file.path && migrationFramework(p) === "Django")
    .sort()
    .reverse();
  const ops: MigrationOp[] = [];
  // The earlier migrations this PR adds or changes were analysed already, from the same head text (a big range
  // parsed about a fifth of its Django migrations twice).
  const changed = await ctx.memo("destructive-migration:changed-django", async () => {
    const byPath = new Map<string, DjangoAnalysis>();
    for (const c of await changedMigrations(ctx)) if (c.framework === "Django") byPath.set(c.file.path, c.analysis as DjangoAnalysis);
    return byPath;
  });
  // Shared by every changed migration of the app: a range with many AlterFields read each earlier migration again per migration.
  const eventsOf = (path: string): Promise<DjangoField[]> =>
    ctx.memo(`destructive-migration:django-fields\0${app}\0${path}`, async () => {
      const known = changed.get(path);
      if (known) return known.definedFields;
      const text = await ctx.text("head", path);
      return text === undefined ? [] : (await analyzeDjango(text, app)).definedFields;
    });
  /**
   * Whether an earlier migration can define or rename a field called `name`: a field's name is a string literal, so
   * a text without it cannot, unless the literal is spelled with escapes or split into adjacent literals (a text
   * with any backslash, or with a place where literals may be joined, is parsed). Most earlier migrations of an app
   * never name the field, and parsing every one of them was most of this rule's time on saleor's ranges.
   */
  const mayName = async (path: string, name: string): Promise<boolean> => {
    const text = await ctx.text("head", path);
    if (text === undefined || text.includes(name)) return true;
    // Per file, not per field: an app's earlier migrations are asked about every altered field.
    return ctx.memo(`destructive-migration:joinable-literals\0${path}`, () => text.includes("\\") || SPLIT_LITERAL.test(text));
  };
  /** Newest definition of the field before `field.line`, following RenameField back to the old name. */
  const previousDefinition = async (field: DjangoField): Promise<DjangoField | undefined> => {
    let name = field.field;
    const scan = (events: DjangoField[]) => {
      for (const event of [...events].reverse()) {
        if (event.model !== field.model || event.field !== name) continue;
        if (event.renamedFrom === undefined) return event;
        name = event.renamedFrom;
      }
      return undefined;
    };
    const inFile = scan(analysis.definedFields.filter((d) => d.line < field.line));
    if (inFile) return inFile;
    for (const path of earlier) {
      if (!(await mayName(path, name))) continue;
      const found = scan(await eventsOf(path));
      if (found) return found;
    }
    return undefined;
  };
  for (const field of analysis.alteredFields) {
    const previous = await previousDefinition(field);
    const table = `${app}_${field.model}`;
    if (!previous) {
      ctx.note(
        `${m.file.path}:${field.line}: no earlier definition of ${field.model}.${field.field} found; its type change was not judged`,
        "not-judged",
      );
      continue;
    }
    // Judged by the column each definition produces: `db_default`, `help_text`, validators... change no column,
    // and a widening Postgres does in place (varchar(50) → varchar(100), → text) is not a rewrite.
    const before = previous.column;
    const after = field.column;
    if (!before || !after || before.noColumn || after.noColumn) continue;
    if (djangoTypeChanges(before, after)) ops.push({ kind: "change-column-type", table, column: field.field, line: field.line, detail: field.type });
    if (previous.nullable && !field.nullable) ops.push({ kind: "set-not-null", table, column: field.field, line: field.line });
    const oldName = before.dbColumn ?? field.field;
    const newName = after.dbColumn ?? field.field;
    if (oldName !== newName) ops.push({ kind: "rename-column", table, column: oldName, newName, line: field.line });
  }
  return ops;
}

/**
 * Sequelize changeColumn: judged against the column's previous definition, built from earlier migrations in the
 * same directory (newest first, following renames) and earlier calls of the same migration. A different type
 * that Postgres cannot change in place is a type change; allowNull: false on a column that allowed NULL sets NOT
 * NULL. When no earlier definition is found (squashed history, a column made by raw SQL), nothing is reported as
 * changed: a note says it was not judged.
 */
async function sequelizeColumnChanges(ctx: RuleContext, m: ChangedMigration): Promise<MigrationOp[]> {
  const analysis = m.analysis as SequelizeAnalysis;
  const changes = (analysis.columnEvents ?? []).filter((e) => e.kind === "define" && e.changed);
  if (changes.length === 0) return [];
  const dir = m.file.path.slice(0, m.file.path.lastIndexOf("/") + 1);
  const earlier = (await ctx.paths("head"))
    .filter((p) => p.startsWith(dir) && !p.slice(dir.length).includes("/") && p < m.file.path && /\.[cm]?[jt]s$/.test(p))
    .sort()
    .reverse();
  // Read together (one batch for the git source); a migration that never names the table is not parsed.
  const texts = await Promise.all(earlier.map((p) => ctx.text("head", p)));
  const eventsOf = (path: string, text: string): Promise<SequelizeColumnEvent[]> =>
    ctx.memo(`destructive-migration:sequelize-columns\0${path}`, async () => (await analyzeSequelize(text)).columnEvents);
  const ops: MigrationOp[] = [];
  for (const change of changes) {
    if (change.kind !== "define") continue;
    const target = { table: change.table, column: change.column };
    let previous = previousColumn(
      analysis.columnEvents.filter((e) => e.line < change.line),
      target,
    );
    for (let i = 0; previous === undefined && i < earlier.length; i++) {
      const text = texts[i];
      if (text === undefined || !text.includes(target.table)) continue;
      previous = previousColumn(await eventsOf(earlier[i]!, text), target);
    }
    const where = `${m.file.path}:${change.line}`;
    const name = `${change.table}.${change.column}`;
    if (previous === undefined || previous === "unknown") {
      ctx.note(
        `${where}: no earlier definition of ${name} found in earlier migrations; whether changeColumn changes its type or sets NOT NULL was not judged`,
        "not-judged",
      );
      continue;
    }
    const after = change.definition;
    if (previous.type === undefined || after.type === undefined) {
      ctx.note(`${where}: the type of ${name} is computed at run time; whether changeColumn changes it was not judged`, "not-judged");
    } else if (sequelizeTypeChanges(previous.type, after.type)) {
      ops.push({ kind: "change-column-type", table: change.table, column: change.column, line: change.line, detail: after.type });
    }
    if (after.nullable === false && previous.nullable !== false) {
      if (previous.nullable === true) ops.push({ kind: "set-not-null", table: change.table, column: change.column, line: change.line });
      else ctx.note(`${where}: whether ${name} allowed NULL before is decided at run time; SET NOT NULL was not judged`, "not-judged");
    }
  }
  return ops;
}

/**
 * SQLite (and Prisma's "RedefineTables" migrations) change a table by copying it: CREATE TABLE new_x,
 * INSERT INTO new_x SELECT ... FROM x, DROP TABLE x, ALTER TABLE new_x RENAME TO x. The drop is part of
 * the rebuild, not the loss of the table.
 */
function isTableRebuild(drop: MigrationOp, ops: MigrationOp[], isNew: (table: string, line: number) => boolean): boolean {
  return ops.some(
    (op) =>
      op.kind === "rename-table" &&
      op.line > drop.line &&
      op.newName !== undefined &&
      tableKey(op.newName) === tableKey(drop.table) &&
      isNew(op.table, op.line),
  );
}
