import { isSafeTypeChange, type ColumnType } from "./rails-types.js";
import { analyzeSql } from "./sql.js";
import { lineAt, markConcurrentInTransaction, type MigrationAnalysis, type MigrationOp } from "./types.js";

/**
 * Django and Alembic migrations. Both are declarative enough that reading calls is sufficient: this finds
 * `migrations.X(...)` / `op.x(...)` calls, reads their arguments with a small Python-literal tokenizer
 * (strings incl. triple-quoted and prefixed, nested brackets, comments) and keeps source positions.
 */

export interface PyArg {
  name?: string;
  /** Argument source text. */
  raw: string;
  /** Offset of `raw` in the file. */
  start: number;
  /** Concatenated value when the argument is string literal(s) (or a list/tuple of them). */
  string?: string;
  /** Offset of the first string literal's content in the file. */
  stringStart?: number;
}

export interface PyCall {
  name: string;
  start: number;
  /** Offset just after the closing parenthesis. */
  end: number;
  args: PyArg[];
}

/** Index just past the string literal starting at `i` (which points at the opening quote). */
function skipString(text: string, i: number): number {
  const triple = text[i] !== "`" && text.startsWith(text[i]!.repeat(3), i);
  const quote = triple ? text[i]!.repeat(3) : text[i]!;
  let j = i + quote.length;
  while (j < text.length) {
    if (text[j] === "\\") j += 2;
    else if (text.startsWith(quote, j)) return j + quote.length;
    else if (!triple && text[j] === "\n" && quote !== "`") return j;
    else j++;
  }
  return text.length;
}

/** Python (hash comments) or JavaScript/TypeScript (line and block comments, template strings). */
export type Lang = "py" | "js";

function isStringStart(text: string, i: number, lang: Lang = "py"): boolean {
  return text[i] === '"' || text[i] === "'" || (lang === "js" && text[i] === "`");
}

/** End of the comment starting at `i`, or -1 when no comment starts there. */
function commentEnd(text: string, i: number, lang: Lang): number {
  if (lang === "py" ? text[i] === "#" : text.startsWith("//", i)) {
    const nl = text.indexOf("\n", i);
    return nl < 0 ? text.length : nl;
  }
  if (lang === "js" && text.startsWith("/*", i)) {
    const close = text.indexOf("*/", i + 2);
    return close < 0 ? text.length : close + 2;
  }
  return -1;
}

/** Reads the call whose `(` is at `open`; undefined when unbalanced. */
export function readCall(text: string, name: string, start: number, open: number, lang: Lang = "py"): PyCall | undefined {
  const args: PyArg[] = [];
  let depth = 0;
  let argStart = open + 1;
  const finish = (end: number) => {
    const raw = text.slice(argStart, end);
    if (raw.trim()) args.push(toArg(text, raw, argStart, lang));
  };
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    const comment = commentEnd(text, i, lang);
    if (isStringStart(text, i, lang)) {
      i = skipString(text, i) - 1;
    } else if (comment >= 0) {
      i = comment - 1;
    } else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) {
      depth--;
      if (depth === 0) {
        finish(i);
        return { name, start, end: i + 1, args };
      }
    } else if (c === "," && depth === 1) {
      finish(i);
      argStart = i + 1;
    }
  }
  return undefined;
}

function toArg(text: string, raw: string, offset: number, lang: Lang): PyArg {
  const lead = raw.length - raw.trimStart().length;
  const keyword = /^\s*(\w+)\s*=(?!=)\s*/.exec(raw);
  const valueStart = offset + (keyword ? keyword[0].length : lead);
  const value = text.slice(valueStart, offset + raw.length).trim();
  const arg: PyArg = { name: keyword?.[1], raw: value, start: valueStart };
  const strings = stringLiterals(text, valueStart, offset + raw.length, lang);
  if (strings && strings.length > 0) {
    arg.string = strings.map((s) => s.value).join("");
    arg.stringStart = strings[0]!.contentStart;
  }
  return arg;
}

/** String literals making up a value (implicit concatenation, a list/tuple of strings, sa.text("...")). */
function stringLiterals(text: string, from: number, to: number, lang: Lang): { value: string; contentStart: number }[] | undefined {
  const found: { value: string; contentStart: number }[] = [];
  let i = from;
  const inner = text.slice(from, to).trim();
  if (!/^(\[|\(|[rRbBuUfF]{0,2}["'`]|(sa\.|sqlalchemy\.)?text\()/.test(inner)) return undefined;
  // A JS template literal with substitutions is built at run time.
  if (lang === "js" && /^`[^`]*\$\{/.test(inner)) return undefined;
  while (i < to) {
    const c = text[i]!;
    if (isStringStart(text, i, lang)) {
      const end = skipString(text, i);
      const q = c !== "`" && text.startsWith(c.repeat(3), i) ? 3 : 1;
      const raw = text.slice(i + q, end - q);
      const prefix = text.slice(Math.max(from, i - 2), i);
      found.push({ value: /[rR]/.test(prefix) ? raw : unescapePy(raw), contentStart: i + q });
      i = end;
    } else if (commentEnd(text, i, lang) >= 0) {
      i = commentEnd(text, i, lang);
    } else i++;
  }
  return found;
}

function unescapePy(raw: string): string {
  return raw.replace(/\\(n|t|'|"|\\)/g, (_, c: string) => ({ n: "\n", t: "\t" })[c] ?? c);
}

/** Every call to one of `names` (full dotted name as written, e.g. `migrations.RemoveField`). */
export function findCalls(text: string, pattern: RegExp, from = 0, to = text.length, lang: Lang = "py"): PyCall[] {
  const calls: PyCall[] = [];
  const re = new RegExp(pattern.source, "g");
  re.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && m.index < to) {
    if (insideStringOrComment(text, m.index, lang)) continue;
    const open = m.index + m[0].length - 1;
    const call = readCall(text, m[1] ?? m[0], m.index, open, lang);
    if (call) calls.push(call);
  }
  return calls;
}

let cachedText = "";
let cachedLang: Lang | undefined;
let cachedMask: Uint8Array = new Uint8Array();
/** True when `index` is inside a string literal or comment (so commented-out calls are ignored). */
function insideStringOrComment(text: string, index: number, lang: Lang): boolean {
  // Compared apart: `lang + text` built a new string to compare in full on every call.
  if (lang !== cachedLang || text !== cachedText) {
    cachedText = text;
    cachedLang = lang;
    cachedMask = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const comment = commentEnd(text, i, lang);
      if (isStringStart(text, i, lang)) {
        const end = skipString(text, i);
        cachedMask.fill(1, i, end);
        i = end - 1;
      } else if (comment >= 0) {
        cachedMask.fill(1, i, comment);
        i = comment - 1;
      }
    }
  }
  return cachedMask[index] === 1;
}

export function arg(call: PyCall, name: string, position?: number): PyArg | undefined {
  const named = call.args.find((a) => a.name === name);
  if (named) return named;
  if (position === undefined) return undefined;
  return call.args.filter((a) => !a.name)[position];
}

/** `name` as a keyword inside an argument's source, e.g. `null=True` inside `models.CharField(null=True)`. */
export function keywordIn(source: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*([^,)]+)`).exec(source);
  return m?.[1]?.trim();
}

/** A module-level `NAME = "..."` string constant used as an argument (e.g. `RunSQL(DROP_OLD_TABLE)`). */
export function resolveConstant(text: string, value: PyArg | undefined): PyArg | undefined {
  if (!value || value.string !== undefined || !/^[A-Za-z_]\w*$/.test(value.raw)) return value;
  const assignment = new RegExp(`^${value.raw}\\s*=\\s*`, "m").exec(text);
  if (!assignment) return value;
  const start = assignment.index + assignment[0].length;
  const quote = /^[rRuU]?(["'])/.exec(text.slice(start));
  if (!quote) return value;
  const end = skipString(text, start + quote[0].length - 1);
  const call = readCall(`(${text.slice(start, end)})`, "", 0, 0);
  const arg = call?.args[0];
  if (!arg || arg.string === undefined || arg.stringStart === undefined) return value;
  // Offsets of the wrapped text are one character ahead of the file's.
  return { ...arg, start: arg.start - 1 + start, stringStart: arg.stringStart - 1 + start };
}

export async function pushSqlArg(out: MigrationAnalysis, text: string, value: PyArg | undefined, line: number): Promise<void> {
  if (!value) return;
  if (value.string === undefined || value.stringStart === undefined) {
    out.issues.push({ line, message: "SQL built at run time could not be judged", mayHideChange: false });
    return;
  }
  const analysis = await analyzeSql(value.string, lineAt(text, value.stringStart));
  out.ops.push(...analysis.ops);
  out.issues.push(...analysis.issues);
}

// ---------------------------------------------------------------------------------------------- Django

export interface DjangoField {
  model: string;
  field: string;
  /** Field class as written, e.g. `models.CharField`. */
  type: string;
  nullable: boolean;
  line: number;
  /** RenameField: the field was called this before (type and nullability carry over). */
  renamedFrom?: string;
}

export interface DjangoAnalysis extends MigrationAnalysis {
  /** AlterField calls: judged against the field's previous definition by the rule. */
  alteredFields: DjangoField[];
  /** Fields as defined by CreateModel / AddField / AlterField in this file (for later migrations). */
  definedFields: DjangoField[];
}

/** Django's default table name: `<app label>_<model name in lower case>`. */
export function djangoTable(appLabel: string, model: string): string {
  return `${appLabel}_${model.toLowerCase()}`;
}

function fieldDefinition(source: string): { type: string; nullable: boolean; hasDefault: boolean; noColumn: boolean } {
  const type = /^\s*([\w.]+)\s*\(/.exec(source)?.[1] ?? source.trim();
  const nullable = keywordIn(source, "null") === "True";
  const hasDefault = keywordIn(source, "default") !== undefined || keywordIn(source, "db_default") !== undefined;
  return { type, nullable, hasDefault, noColumn: /ManyToManyField|GenericRelation/.test(type) };
}

export async function analyzeDjango(text: string, appLabel: string): Promise<DjangoAnalysis> {
  const out: DjangoAnalysis = { ops: [], issues: [], alteredFields: [], definedFields: [] };
  // state_operations of SeparateDatabaseAndState change Django's model state only, not the database.
  const stateOnly = findCalls(text, /\bmigrations\.SeparateDatabaseAndState\s*\(/)
    .map((c) => arg(c, "state_operations"))
    .filter((a): a is PyArg => a !== undefined)
    .map((a) => [a.start, a.start + a.raw.length] as const);
  const calls = findCalls(
    text,
    /\b(?:migrations\.)?(AddField|RemoveField|RenameField|AlterField|CreateModel|DeleteModel|RenameModel|AlterModelTable|AddIndex|AddIndexConcurrently|AddConstraint|RunSQL)\s*\(/,
  );
  for (const call of calls) {
    if (stateOnly.some(([s, e]) => call.start >= s && call.start < e)) continue;
    const op = call.name;
    const line = lineAt(text, call.start);
    const model = arg(call, "model_name", 0)?.string ?? "";
    const table = djangoTable(appLabel, model);
    const push = (o: Omit<MigrationOp, "line">) => out.ops.push({ line, ...o });
    switch (op) {
      case "CreateModel": {
        const name = arg(call, "name", 0)?.string ?? "";
        const dbTable = /["']db_table["']\s*:\s*["']([^"']+)["']/.exec(arg(call, "options")?.raw ?? "")?.[1];
        push({ kind: "create-table", table: dbTable ?? djangoTable(appLabel, name) });
        const fields = arg(call, "fields", 1)?.raw ?? "";
        for (const m of fields.matchAll(/\(\s*["'](\w+)["']\s*,\s*([\w.]+\s*\()/g)) {
          const rest = fields.slice(m.index! + m[0].length - m[2]!.length);
          const call2 = readCall(rest, m[2]!, 0, rest.indexOf("("));
          const source = call2 ? rest.slice(0, call2.end) : m[2]!;
          const def = fieldDefinition(source);
          out.definedFields.push({ model: name.toLowerCase(), field: m[1]!, type: def.type, nullable: def.nullable, line });
        }
        break;
      }
      case "DeleteModel":
        push({ kind: "drop-table", table: djangoTable(appLabel, arg(call, "name", 0)?.string ?? "") });
        break;
      case "RenameModel": {
        const oldName = arg(call, "old_name", 0)?.string ?? "";
        const newName = arg(call, "new_name", 1)?.string ?? "";
        push({ kind: "rename-table", table: djangoTable(appLabel, oldName), newName: djangoTable(appLabel, newName) });
        break;
      }
      case "AlterModelTable":
        push({ kind: "rename-table", table: djangoTable(appLabel, arg(call, "name", 0)?.string ?? ""), newName: arg(call, "table", 1)?.string });
        break;
      case "RemoveField":
        push({ kind: "drop-column", table, column: arg(call, "name", 1)?.string });
        break;
      case "RenameField": {
        const oldName = arg(call, "old_name", 1)?.string ?? "";
        const newName = arg(call, "new_name", 2)?.string ?? "";
        out.definedFields.push({ model: model.toLowerCase(), field: newName, type: "", nullable: false, line, renamedFrom: oldName });
        push({ kind: "rename-column", table, column: oldName, newName });
        break;
      }
      case "AddField": {
        const field = arg(call, "name", 1)?.string ?? "";
        const source = arg(call, "field", 2)?.raw ?? "";
        const def = fieldDefinition(source);
        out.definedFields.push({ model: model.toLowerCase(), field, type: def.type, nullable: def.nullable, line });
        if (def.noColumn) break;
        push({ kind: !def.nullable && !def.hasDefault ? "add-not-null-column" : "alter-table", table, column: field });
        break;
      }
      case "AlterField": {
        const field = arg(call, "name", 1)?.string ?? "";
        const def = fieldDefinition(arg(call, "field", 2)?.raw ?? "");
        const altered = { model: model.toLowerCase(), field, type: def.type, nullable: def.nullable, line };
        out.alteredFields.push(altered);
        out.definedFields.push(altered);
        push({ kind: "alter-table", table, column: field });
        break;
      }
      case "AddIndex":
      case "AddIndexConcurrently":
        push({ kind: "create-index", table, concurrent: op === "AddIndexConcurrently" });
        break;
      case "AddConstraint":
        push({ kind: "alter-table", table });
        break;
      case "RunSQL": {
        const sql = arg(call, "sql", 0);
        if (sql?.raw === "migrations.RunSQL.noop" || sql?.raw === "RunSQL.noop") break;
        await pushSqlArg(out, text, resolveConstant(text, sql), line);
        break;
      }
    }
  }
  out.ops.sort((a, b) => a.line - b.line);
  // Django runs a migration in a transaction unless the class sets `atomic = False`.
  if (!/^\s+atomic\s*=\s*False\b/m.test(text)) markConcurrentInTransaction(out);
  return out;
}

// ---------------------------------------------------------------------------------------------- Alembic

/** Alembic revision: only `upgrade()` is judged (`downgrade()` is the rollback). */
export async function analyzeAlembic(text: string): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const upgrade = /^def\s+upgrade\s*\(/m.exec(text);
  if (!upgrade) return out;
  const nextDef = /^(?:def|class)\s/m;
  const after = text.slice(upgrade.index + upgrade[0].length);
  const nextIndex = nextDef.exec(after);
  const from = upgrade.index;
  const to = nextIndex ? upgrade.index + upgrade[0].length + nextIndex.index : text.length;

  // `with op.batch_alter_table("t") as batch_op:` gives `batch_op.*` calls their table.
  const batchTables = new Map<string, string>();
  for (const m of text.slice(from, to).matchAll(/batch_alter_table\(\s*["'](\w+)["'][^)]*\)\s+as\s+(\w+)/g)) batchTables.set(m[2]!, m[1]!);
  const receivers = ["op", ...batchTables.keys()].join("|");
  const calls = findCalls(text, new RegExp(`\\b((?:${receivers})\\.\\w+)\\s*\\(`), from, to);
  for (const call of calls) {
    const [receiver, method] = call.name.split(".") as [string, string];
    const batchTable = batchTables.get(receiver);
    const shift = batchTable === undefined ? 0 : -1; // batch_op calls omit the table argument
    const table = batchTable ?? arg(call, "table_name", 0)?.string ?? "";
    const line = lineAt(text, call.start);
    const positional = (n: number, name: string) => arg(call, name, n + shift)?.string;
    const push = (o: Omit<MigrationOp, "line" | "table"> & { table?: string }) => out.ops.push({ table, line, ...o });
    switch (method) {
      case "create_table":
        push({ kind: "create-table", table: arg(call, "table_name", 0)?.string ?? "" });
        break;
      case "drop_table":
        push({ kind: "drop-table", table: arg(call, "table_name", 0)?.string ?? "" });
        break;
      case "rename_table":
        push({ kind: "rename-table", table: arg(call, "old_table_name", 0)?.string ?? "", newName: arg(call, "new_table_name", 1)?.string });
        break;
      case "drop_column":
        push({ kind: "drop-column", column: positional(1, "column_name") });
        break;
      case "add_column": {
        const column = arg(call, "column", 1 + shift)?.raw ?? "";
        const name = /Column\(\s*["'](\w+)["']/.exec(column)?.[1];
        const required = /\bnullable\s*=\s*False/.test(column) && !/\bserver_default\s*=/.test(column);
        push({ kind: required ? "add-not-null-column" : "alter-table", column: name });
        break;
      }
      case "alter_column": {
        const column = positional(1, "column_name");
        const newName = arg(call, "new_column_name")?.string;
        const type = arg(call, "type_");
        const existing = arg(call, "existing_type");
        if (type) {
          // With existing_type known, a change Postgres makes in place (e.g. VARCHAR(50) → Text) is not reported.
          const from = existing ? sqlalchemyType(existing.raw) : undefined;
          const safe = from !== undefined && !arg(call, "postgresql_using") && isSafeTypeChange(from, sqlalchemyType(type.raw), false, false);
          push(safe ? { kind: "alter-table", column } : { kind: "change-column-type", column, detail: type.raw });
        }
        if (arg(call, "nullable")?.raw === "False") push({ kind: "set-not-null", column });
        if (newName) push({ kind: "rename-column", column, newName });
        if (!type && arg(call, "nullable")?.raw !== "False" && !newName) push({ kind: "alter-table", column });
        break;
      }
      case "create_index": {
        const indexTable = batchTable ?? arg(call, "table_name", 1)?.string ?? "";
        const concurrent = arg(call, "postgresql_concurrently")?.raw === "True";
        // Alembic runs upgrade() in a transaction on Postgres; CONCURRENTLY needs an autocommit_block().
        const kind = concurrent && !insideAutocommitBlock(text, call.start) ? "concurrent-index-in-transaction" : "create-index";
        push({ kind, table: indexTable, concurrent });
        break;
      }
      case "execute":
        await pushSqlArg(out, text, arg(call, "sqltext", 0), line);
        break;
      case "create_foreign_key":
      case "create_unique_constraint":
      case "create_check_constraint":
      case "drop_constraint":
        push({ kind: "alter-table", table: arg(call, "source_table", 1)?.string ?? arg(call, "table_name", 1)?.string ?? table });
        break;
    }
  }
  return out;
}

/** A SQLAlchemy type expression (`sa.String(length=50)`, `postgresql.JSONB()`) in the Rails type vocabulary. */
export function sqlalchemyType(source: string): ColumnType {
  const m = /(?:^|\.)(\w+)\s*(?:\(([^)]*)\))?\s*$/.exec(source.trim());
  const name = (m?.[1] ?? source).toLowerCase();
  const args = (m?.[2] ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  const positional = args.filter((a) => !a.includes("=")).map(Number);
  const keyword = (k: string) => {
    const v = args.find((a) => a.startsWith(`${k}=`))?.split("=")[1];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  if (["string", "varchar", "unicode", "nvarchar"].includes(name)) return { type: "string", limit: keyword("length") ?? positional[0] };
  if (["text", "unicodetext"].includes(name)) return { type: "text" };
  if (["numeric", "decimal"].includes(name))
    return { type: "decimal", precision: keyword("precision") ?? positional[0], scale: keyword("scale") ?? positional[1] };
  if (name === "datetime" || name === "timestamp") {
    return { type: /timezone\s*=\s*True/.test(source) ? "timestamptz" : "datetime", precision: keyword("precision") };
  }
  return { type: name, limit: keyword("length") };
}

/** True when `index` sits in the indented body of a `with ...autocommit_block():` statement. */
function insideAutocommitBlock(text: string, index: number): boolean {
  const lines = text.slice(0, index).split("\n");
  const indentOf = (line: string) => line.length - line.trimStart().length;
  let indent = indentOf(lines.at(-1) ?? "");
  for (let i = lines.length - 2; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const lineIndent = indentOf(line);
    if (lineIndent < indent) {
      if (/^\s*with\b.*autocommit_block\(\)/.test(line)) return true;
      if (/^\s*def\s/.test(line)) return false;
      indent = lineIndent;
    }
  }
  return false;
}
