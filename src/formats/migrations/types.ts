import { lineOfOffset, lineStarts } from "../source/masking.js";
/** What a migration does, framework-independent: the destructive-migration and cross-service rules judge these. */

export type MigrationOpKind =
  | "create-table"
  | "drop-table"
  | "rename-table"
  | "drop-column"
  | "rename-column"
  | "change-column-type"
  /** ADD COLUMN ... NOT NULL with no default: fails (or rewrites) on a table that has rows. */
  | "add-not-null-column"
  /** SET NOT NULL on an existing column: full scan under an exclusive lock, fails on existing NULLs. */
  | "set-not-null"
  | "create-index"
  /** CREATE INDEX CONCURRENTLY inside an explicit transaction block: Postgres refuses to run it. */
  | "concurrent-index-in-transaction"
  /** Any other ALTER of an existing table (constraints, defaults, ...). */
  | "alter-table"
  /** INSERT / UPDATE / DELETE on a table. */
  | "write-rows";

export interface MigrationOp {
  kind: MigrationOpKind;
  /** Table as written (may be schema-qualified); compare with `tableKey`. */
  table: string;
  column?: string;
  newName?: string;
  /** 1-based line of the statement or call in the migration file. */
  line: number;
  /** create-index: built without blocking writes. */
  concurrent?: boolean;
  /** Extra words for the message, e.g. the new type. */
  detail?: string;
}

/** Something in a migration file we could not read; `judged` is true when it may hide a destructive change. */
export interface MigrationIssue {
  line: number;
  message: string;
  /** True when the unreadable part could be destructive (fails the review closed); false: a note is enough. */
  mayHideChange: boolean;
}

export interface MigrationAnalysis {
  ops: MigrationOp[];
  issues: MigrationIssue[];
}

/** Case-insensitive, unquoted, schema-less table name used to compare tables across files and config. */
export function tableKey(name: string): string {
  const last = name.split(".").at(-1) ?? name;
  return last.replace(/^["`[]|["`\]]$/g, "").toLowerCase();
}

/** The last text `lineIndex` was asked for, with its line starts (a migration asks about one file many times). */
let indexed: { text: string; starts: number[] } | undefined;

/**
 * `lineAt` for many offsets of one text: its line starts are found once, then each offset is a binary search
 * (a big SQL file asked statement by statement was quadratic).
 */
export function lineIndex(text: string): (index: number) => number {
  if (indexed?.text !== text) indexed = { text, starts: lineStarts(text) };
  const { starts } = indexed;
  return (index) => lineOfOffset(starts, index);
}

/** 1-based line of character `index` in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  const end = Math.min(index, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The framework runs this migration inside a transaction: a CONCURRENTLY index build fails there
 * (Postgres: "CREATE INDEX CONCURRENTLY cannot run inside a transaction block").
 */
export function markConcurrentInTransaction(analysis: MigrationAnalysis, inside: (op: MigrationOp) => boolean = () => true): void {
  for (const op of analysis.ops) {
    if (op.kind === "create-index" && op.concurrent && inside(op)) op.kind = "concurrent-index-in-transaction";
  }
}
