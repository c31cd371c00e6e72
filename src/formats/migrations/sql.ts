import type { parse } from "libpg-query";
import { lazyRequire } from "../../engine/lazy.js";
import { lineAt, lineIndex, tableKey, type MigrationAnalysis, type MigrationOp } from "./types.js";

/**
 * SQL migrations are read with the real Postgres parser (libpg-query). A statement it rejects (MySQL or
 * another dialect) is judged by a deliberately small pattern list (DROP TABLE, RENAME TABLE, ALTER TABLE
 * ... DROP/RENAME/MODIFY/CHANGE/ADD COLUMN) and otherwise reported as not understood.
 */
export async function analyzeSql(source: string, firstLine = 1, state: SqlState = newState()): Promise<MigrationAnalysis> {
  const result: MigrationAnalysis = { ops: [], issues: [] };
  // psql meta-commands (\connect, \set, ...) are not SQL: blank them, keeping line numbers.
  const sql = source.replace(/^[ \t]*\\[a-zA-Z].*$/gm, "");
  const whole = await tryParse(sql);
  if (whole) {
    collect(whole, sql, 0, firstLine, result, state);
    return result;
  }
  // One bad statement must not hide the others: split and parse statement by statement.
  const split = splitStatements(sql);
  if (split.unterminated !== undefined) {
    result.issues.push({
      line: firstLine - 1 + lineAt(sql, split.unterminated),
      message: "unterminated quoted string or comment",
      mayHideChange: true,
    });
  }
  for (const statement of split.statements) {
    const text = sql.slice(statement.start, statement.end);
    const parsed = await tryParse(text);
    const line = firstLine - 1 + lineIndex(sql)(skipLeading(sql, statement.start));
    if (parsed) {
      collect(parsed, text, statement.start, firstLine, result, state, sql);
      continue;
    }
    const ops = matchOtherDialect(text, line);
    if (ops === undefined) {
      result.issues.push({
        line,
        message: `could not parse the statement (${firstWords(text)}) as SQL`,
        mayHideChange: /^\s*(alter|drop|rename|truncate)\b/i.test(stripLeading(text, 0).text),
      });
    } else {
      result.ops.push(...ops.filter((op) => op.kind !== "alter-table" || op.detail !== UNKNOWN_CLAUSE));
      const unknown = ops.find((op) => op.kind === "alter-table" && op.detail === UNKNOWN_CLAUSE);
      if (unknown) {
        result.issues.push({ line, message: `could not read an ALTER TABLE ${unknown.table} clause (${unknown.column})`, mayHideChange: true });
      }
    }
  }
  return result;
}

type ParseTree = Awaited<ReturnType<typeof parse>>;

/**
 * The Postgres parser (WebAssembly), loaded by the first migration that needs it: required, not imported (an
 * import of its CommonJS entry has Node lex the module's source for its export names first, ~40 ms of CPU).
 */
let postgres: { parse: typeof parse } | undefined;

async function tryParse(sql: string): Promise<ParseTree | undefined> {
  const parser = (postgres ??= lazyRequire("libpg-query") as { parse: typeof parse });
  try {
    return await parser.parse(sql);
  } catch {
    return undefined;
  }
}

function firstWords(text: string): string {
  return stripLeading(text, 0).text.split(/\s+/).slice(0, 3).join(" ").slice(0, 60);
}

/** Skips whitespace and comments: statement locations may start at the comment above the statement. */
function stripLeading(text: string, from: number): { index: number; text: string } {
  const i = skipLeading(text, from);
  return { index: i, text: text.slice(i) };
}

/** Where the text after `from` starts once whitespace and comments are skipped. */
function skipLeading(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith("--", i)) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith("/*", i)) {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? text.length : close + 2;
    } else break;
  }
  return i;
}

/** libpg-query locations are UTF-8 byte offsets. */
/** Character index of each UTF-8 byte offset into `text` (the parser's locations are bytes), the text measured once. */
function charIndexes(text: string): (byteOffset: number) => number {
  // Pure ASCII: bytes and characters coincide (checked without a control-character regex).
  if (Buffer.byteLength(text, "utf8") === text.length) return (byteOffset) => byteOffset;
  const bytes = Buffer.from(text, "utf8");
  return (byteOffset) => bytes.subarray(0, byteOffset).toString("utf8").length;
}

type Node = Record<string, any>;

/** What earlier statements of the file established (shared by the SQL snippets of one DSL migration). */
export interface SqlState {
  inTransaction: boolean;
  /** CHECK (col IS NOT NULL) constraints by name; validated ones make a later SET NOT NULL skip its scan (Postgres 12+). */
  notNullChecks: Map<string, { table: string; column: string; validated: boolean }>;
}

export function newState(): SqlState {
  return { inTransaction: false, notNullChecks: new Map() };
}

export function hasValidatedNotNullCheck(state: SqlState, table: string, column: string): boolean {
  return [...state.notNullChecks.entries()].some(
    ([name, c]) =>
      c.validated &&
      c.table === tableKey(table) &&
      (c.column === column || (c.column === "" && /null/i.test(name) && name.toLowerCase().includes(column.toLowerCase()))),
  );
}

function collect(
  tree: ParseTree,
  text: string,
  offsetInFile: number,
  firstLine: number,
  out: MigrationAnalysis,
  state: SqlState,
  fileText = text,
): void {
  const charIndex = charIndexes(text);
  const lineAtFile = (index: number) => lineIndex(fileText)(index);
  const lineOfByte = (byteOffset: number) => firstLine - 1 + lineAtFile(offsetInFile + charIndex(byteOffset));
  for (const raw of tree.stmts ?? []) {
    const start = skipLeading(text, charIndex(raw.stmt_location ?? 0));
    const line = firstLine - 1 + lineAtFile(offsetInFile + start);
    const end = raw.stmt_len ? charIndex((raw.stmt_location ?? 0) + raw.stmt_len) : text.length;
    /** Line of the clause naming `column` (ALTER TABLE commands carry no location of their own). */
    const clauseLine = (pattern: (column: string) => string, column: string | undefined): number => {
      if (!column) return line;
      const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const match = new RegExp(pattern(`"?${escaped}"?`), "i").exec(text.slice(start, end));
      return match ? firstLine - 1 + lineAtFile(offsetInFile + start + match.index) : line;
    };
    const stmt = raw.stmt as Node | undefined;
    if (!stmt) continue;
    const [type, node] = Object.entries(stmt)[0] as [string, Node];
    const push = (op: Omit<MigrationOp, "line"> & { line?: number }) => out.ops.push({ line, ...op });
    switch (type) {
      case "TransactionStmt":
        if (["TRANS_STMT_BEGIN", "TRANS_STMT_START"].includes(node.kind)) state.inTransaction = true;
        else if (["TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"].includes(node.kind)) state.inTransaction = false;
        break;
      case "CreateStmt":
        push({ kind: "create-table", table: relName(node.relation) });
        break;
      case "CreateTableAsStmt":
        if (node.objtype === "OBJECT_TABLE" && node.into?.rel) push({ kind: "create-table", table: relName(node.into.rel) });
        break;
      case "DropStmt":
        if (node.removeType === "OBJECT_TABLE") {
          for (const object of node.objects ?? []) {
            const parts = (object.List?.items ?? []).map((i: Node) => i.String?.sval).filter(Boolean);
            if (parts.length > 0) push({ kind: "drop-table", table: parts.join(".") });
          }
        }
        break;
      case "TruncateStmt":
        for (const rel of node.relations ?? []) push({ kind: "write-rows", table: relName(rel.RangeVar), detail: "TRUNCATE" });
        break;
      case "RenameStmt":
        if (node.renameType === "OBJECT_TABLE") push({ kind: "rename-table", table: relName(node.relation), newName: node.newname });
        else if (node.renameType === "OBJECT_COLUMN" && node.relationType === "OBJECT_TABLE")
          push({ kind: "rename-column", table: relName(node.relation), column: node.subname, newName: node.newname });
        break;
      case "AlterTableStmt": {
        if (node.objtype !== "OBJECT_TABLE") break;
        const table = relName(node.relation);
        for (const item of node.cmds ?? []) {
          const cmd = item.AlterTableCmd as Node | undefined;
          if (!cmd) continue;
          const def = cmd.def?.ColumnDef as Node | undefined;
          const cmdLine = def?.location !== undefined ? lineOfByte(def.location) : line;
          switch (cmd.subtype) {
            case "AT_DropColumn":
              push({
                kind: "drop-column",
                table,
                column: cmd.name,
                line: clauseLine((c) => String.raw`\bDROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?${c}(?![\w$])`, cmd.name),
              });
              break;
            case "AT_AlterColumnType":
              push({ kind: "change-column-type", table, column: cmd.name, line: cmdLine, detail: typeName(def?.typeName) });
              break;
            case "AT_SetNotNull":
              if (hasValidatedNotNullCheck(state, table, cmd.name)) {
                push({ kind: "alter-table", table, column: cmd.name, detail: "SET NOT NULL (validated CHECK constraint)" });
                break;
              }
              push({
                kind: "set-not-null",
                table,
                column: cmd.name,
                line: clauseLine((c) => String.raw`\bALTER\s+(?:COLUMN\s+)?${c}\s+SET\s+NOT\s+NULL`, cmd.name),
              });
              break;
            case "AT_AddColumn":
              if (def && isRequiredWithoutDefault(def)) push({ kind: "add-not-null-column", table, column: def.colname, line: cmdLine });
              else push({ kind: "alter-table", table, column: def?.colname, line: cmdLine, detail: "ADD COLUMN" });
              break;
            case "AT_AddConstraint": {
              const constraint = cmd.def?.Constraint as Node | undefined;
              const test = constraint?.raw_expr?.NullTest as Node | undefined;
              const column = test?.arg?.ColumnRef?.fields?.at(-1)?.String?.sval as string | undefined;
              if (constraint?.contype === "CONSTR_CHECK" && test?.nulltesttype === "IS_NOT_NULL" && column && constraint.conname) {
                state.notNullChecks.set(constraint.conname, { table: tableKey(table), column, validated: !constraint.skip_validation });
              }
              push({ kind: "alter-table", table, detail: "ADD CONSTRAINT" });
              break;
            }
            case "AT_ValidateConstraint": {
              const check = state.notNullChecks.get(cmd.name);
              if (check) check.validated = true;
              // Added by an earlier migration (the usual two-step rollout): trust a name that names the column,
              // e.g. `orders_status_not_null` for a later SET NOT NULL of orders.status (as Squawk does).
              else if (cmd.name) state.notNullChecks.set(cmd.name, { table: tableKey(table), column: "", validated: true });
              push({ kind: "alter-table", table, detail: "VALIDATE CONSTRAINT" });
              break;
            }
            default:
              push({ kind: "alter-table", table, detail: String(cmd.subtype ?? "").replace(/^AT_/, "") });
          }
        }
        break;
      }
      case "IndexStmt":
        push({
          kind: node.concurrent && state.inTransaction ? "concurrent-index-in-transaction" : "create-index",
          table: relName(node.relation),
          concurrent: Boolean(node.concurrent),
          detail: node.idxname,
        });
        break;
      case "InsertStmt":
      case "UpdateStmt":
      case "DeleteStmt":
        push({ kind: "write-rows", table: relName(node.relation), detail: type.replace(/Stmt$/, "").toUpperCase() });
        break;
    }
  }
}

function relName(rel: Node | undefined): string {
  if (!rel) return "";
  return [rel.schemaname, rel.relname].filter(Boolean).join(".");
}

function typeName(type: Node | undefined): string | undefined {
  const names = (type?.names ?? []).map((n: Node) => n.String?.sval).filter((n: string) => n && n !== "pg_catalog");
  return names.length > 0 ? names.join(".") : undefined;
}

const SERIAL_TYPES = new Set(["serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"]);

/** NOT NULL (or PRIMARY KEY) with no DEFAULT, identity, generated expression or serial type. */
function isRequiredWithoutDefault(def: Node): boolean {
  const kinds = new Set((def.constraints ?? []).map((c: Node) => c.Constraint?.contype));
  const required = kinds.has("CONSTR_NOTNULL") || kinds.has("CONSTR_PRIMARY");
  const filled = kinds.has("CONSTR_DEFAULT") || kinds.has("CONSTR_IDENTITY") || kinds.has("CONSTR_GENERATED");
  const serial = SERIAL_TYPES.has((typeName(def.typeName) ?? "").toLowerCase());
  return required && !filled && !serial;
}

/** Splits SQL at top-level semicolons, respecting quotes, comments and dollar quoting. */
export function splitStatements(sql: string): { statements: { start: number; end: number }[]; unterminated?: number } {
  const statements: { start: number; end: number }[] = [];
  let start = 0;
  let i = 0;
  const close = (end: number) => {
    if (
      sql
        .slice(start, end)
        .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, "")
        .trim()
    )
      statements.push({ start, end });
    start = end + 1;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? sql.length : nl;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) return { statements, unterminated: i };
      i = end + 2;
    } else if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === "\\" && c !== '"') j++;
        else if (sql[j] === c) {
          if (sql[j + 1] === c) j++;
          else break;
        }
      }
      if (j >= sql.length) return { statements, unterminated: i };
      i = j + 1;
    } else if (c === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end < 0) return { statements, unterminated: i };
        i = end + tag[0].length;
      } else i++;
    } else if (c === ";") {
      close(i);
      i++;
    } else i++;
  }
  close(sql.length);
  return { statements };
}

const IDENT = String.raw`(?:\`[^\`]+\`|"[^"]+"|\[[^\]]+\]|[\w$]+)(?:\.(?:\`[^\`]+\`|"[^"]+"|\[[^\]]+\]|[\w$]+))?`;
const unquote = (name: string) => name.replace(/[`"[\]]/g, "");

/**
 * The few statements judged when the Postgres parser rejects a statement (MySQL, SQL Server, SQLite).
 * Returns undefined when the statement is not one of them.
 */
export function matchOtherDialect(statement: string, line: number): MigrationOp[] | undefined {
  const text = stripLeading(statement, 0).text.replace(/\s+/g, " ").trim();
  let m = new RegExp(`^DROP TABLE (?:IF EXISTS )?(${IDENT}(?: ?, ?${IDENT})*)`, "i").exec(text);
  if (m) return m[1]!.split(/ ?, ?/).map((t) => ({ kind: "drop-table", table: unquote(t), line }));
  m = new RegExp(`^RENAME TABLE (${IDENT}) TO (${IDENT})`, "i").exec(text);
  if (m) return [{ kind: "rename-table", table: unquote(m[1]!), newName: unquote(m[2]!), line }];
  // MySQL `DROP INDEX i ON t`: an index goes, no data does (as Postgres' DROP INDEX).
  if (new RegExp(`^DROP INDEX (?:IF EXISTS )?${IDENT} ON ${IDENT}$`, "i").test(text.replace(/;$/, ""))) return [];
  m = new RegExp(`^ALTER TABLE (?:ONLY )?(${IDENT}) (.*)$`, "i").exec(text);
  if (!m) {
    const created = new RegExp(`^CREATE (?:TEMPORARY )?TABLE (?:IF NOT EXISTS )?(${IDENT})`, "i").exec(text);
    if (created) return [{ kind: "create-table", table: unquote(created[1]!), line }];
  }
  if (!m) return /^(CREATE|INSERT|UPDATE|DELETE|SELECT|SET|USE|COMMIT|BEGIN|START|PRAGMA|SHOW|DESCRIBE)\b/i.test(text) ? [] : undefined;
  const table = unquote(m[1]!);
  const ops: MigrationOp[] = [];
  for (const clause of splitTopLevel(m[2]!)) {
    let c: RegExpExecArray | null;
    if (
      (c = new RegExp(`^DROP (?:COLUMN )?(?:IF EXISTS )?(${IDENT})$`, "i").exec(clause)) &&
      !/^(INDEX|KEY|FOREIGN|PRIMARY|CONSTRAINT|CHECK|PARTITION)$/i.test(c[1]!)
    ) {
      ops.push({ kind: "drop-column", table, column: unquote(c[1]!), line });
    } else if ((c = new RegExp(`^RENAME COLUMN (${IDENT}) TO (${IDENT})$`, "i").exec(clause))) {
      ops.push({ kind: "rename-column", table, column: unquote(c[1]!), newName: unquote(c[2]!), line });
    } else if ((c = new RegExp(`^RENAME (?:TO |AS )?(${IDENT})$`, "i").exec(clause))) {
      ops.push({ kind: "rename-table", table, newName: unquote(c[1]!), line });
    } else if ((c = new RegExp(`^CHANGE (?:COLUMN )?(${IDENT}) (${IDENT}) (.*)$`, "i").exec(clause))) {
      // MySQL's CHANGE restates the whole definition with the new name: with another name it is the (pre-8.0)
      // way to rename, judged as the rename (an error on the same line; the restated type cannot be compared
      // without the previous one). With the same name it is a MODIFY: a type change.
      const [from, to] = [unquote(c[1]!), unquote(c[2]!)];
      if (from.toLowerCase() !== to.toLowerCase()) ops.push({ kind: "rename-column", table, column: from, newName: to, line });
      else ops.push({ kind: "change-column-type", table, column: to, line, detail: c[3]!.split(" ")[0] });
    } else if (
      (c = new RegExp(`^(?:MODIFY|ALTER) (?:COLUMN )?(${IDENT}) (?:TYPE |SET DATA TYPE )?(.*)$`, "i").exec(clause)) &&
      !/^(SET|DROP) /i.test(c[2]!)
    ) {
      ops.push({ kind: "change-column-type", table, column: unquote(c[1]!), line, detail: c[2]!.split(" ")[0] });
    } else if (
      (c = new RegExp(`^ADD (?:COLUMN )?(${IDENT}) (.*)$`, "i").exec(clause)) &&
      !/^(INDEX|KEY|UNIQUE|FOREIGN|PRIMARY|CONSTRAINT|CHECK|FULLTEXT|SPATIAL)$/i.test(c[1]!)
    ) {
      const rest = c[2]!;
      const required = /\bNOT NULL\b/i.test(rest) && !/\b(DEFAULT|AUTO_INCREMENT|GENERATED|AS \()/i.test(rest);
      ops.push({ kind: required ? "add-not-null-column" : "alter-table", table, column: unquote(c[1]!), line });
    } else if (KNOWN_HARMLESS_CLAUSE.test(clause)) {
      ops.push({ kind: "alter-table", table, line, detail: clause.split(" ")[0] });
    } else {
      ops.push({ kind: "alter-table", table, line, detail: UNKNOWN_CLAUSE, column: clause.slice(0, 40) });
    }
  }
  return ops;
}

const UNKNOWN_CLAUSE = "unknown clause";
/** ALTER TABLE clauses (MySQL and others) that change no column's data, name or type. */
const KNOWN_HARMLESS_CLAUSE =
  /^(ADD (UNIQUE |FULLTEXT |SPATIAL )?(INDEX|KEY)|ADD (CONSTRAINT|UNIQUE|PRIMARY|FOREIGN|CHECK)|DROP (INDEX|KEY|FOREIGN|PRIMARY|CONSTRAINT|CHECK)|RENAME (INDEX|KEY)|ALTER (COLUMN )?\S+ (SET|DROP) DEFAULT|ALGORITHM|LOCK|ENGINE|(DEFAULT )?(CHARSET|CHARACTER SET|COLLATE)|CONVERT TO|COMMENT|AUTO_INCREMENT|ROW_FORMAT|ORDER BY|FORCE|ENABLE|DISABLE|VALIDATE|NOCHECK|WITH CHECK)\b/i;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  let quote: string | undefined;
  for (const ch of text.replace(/;$/, "")) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === "`") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

export { tableKey };
