import { columnType, isSafeTypeChange, RailsColumns } from "./rails-types.js";
import { analyzeSql, hasValidatedNotNullCheck, newState, type SqlState } from "./sql.js";
import { markConcurrentInTransaction, type MigrationAnalysis, type MigrationOp } from "./types.js";

/**
 * Rails migrations (db/migrate/*.rb). Ruby has no parser on npm that we trust, so this reads the
 * migration DSL line by line: calls are one logical line (continued after a trailing comma or open
 * bracket), `change_table` blocks give their table to `t.*` calls, `def down` is a rollback and not
 * judged, and `execute` SQL (strings and heredocs) goes to the SQL parser.
 */
export async function analyzeRails(text: string, schemaText?: string): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const env: RailsEnv = { columns: schemaText ? parseRailsSchema(schemaText) : new RailsColumns(), sql: newState() };
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const blocks: { kind: "down" | "table" | "created" | "other"; table?: string; variable?: string }[] = [];
  const inDown = () => blocks.some((b) => b.kind === "down");
  const tableBlock = () => [...blocks].reverse().find((b) => b.kind === "table" || b.kind === "created");

  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    let statement = stripComment(lines[index]!)
      // `reversible do |dir| dir.up { ... }; dir.down { ... }`: the up block is a statement, the down block a rollback.
      .replace(/^(\s*)\w+\.up\s*\{\s*(.*?)\s*\}\s*$/, "$1$2")
      .replace(/^\s*\w+\.down\s*\{.*\}\s*$/, "")
      // `safety_assured { ... }` on one line: the call inside is judged like any other (not a waiver).
      .replace(/^(\s*)safety_assured\s*\{\s*(.*?)\s*\}\s*$/, "$1$2");
    // Join continuation lines (trailing comma, backslash, unbalanced brackets).
    while (index + 1 < lines.length && (/[,\\([{]\s*$/.test(statement) || unbalanced(statement))) {
      index++;
      statement += " " + stripComment(lines[index]!).trim();
    }
    const trimmed = statement.trim();
    if (!trimmed) continue;

    if (/^end\b/.test(trimmed)) {
      blocks.pop();
      continue;
    }
    const def = /^def\s+(self\.)?(\w+)/.exec(trimmed);
    if (def) {
      if (!/\bend\s*$/.test(trimmed)) blocks.push({ kind: def[2] === "down" ? "down" : "other" });
      continue;
    }
    // `reversible do |dir| ... dir.down do ... end`: the down block is a rollback.
    if (/^\w+\.down\s+do\b/.test(trimmed)) {
      blocks.push({ kind: "down" });
      continue;
    }
    const opensBlock = /\bdo(\s*\|[^|]*\|)?\s*$/.test(trimmed) || /^(class|module|if|unless|case|begin|while|until)\b/.test(trimmed);

    if (!inDown()) {
      // execute with a heredoc: the SQL starts on the next line.
      const heredoc = /^(?:execute|exec_query|safety_assured\s*\{\s*execute)\s*\(?\s*<<([~-]?)(['"]?)(\w+)\2/.exec(trimmed);
      if (heredoc) {
        const terminator = heredoc[3]!;
        const body: string[] = [];
        let j = index + 1;
        for (; j < lines.length && lines[j]!.trim() !== terminator; j++) body.push(lines[j]!);
        await pushSql(out, body.join("\n"), index + 2, env.sql);
        index = j;
        continue;
      }
      const call = /^(?:(\w+)\.)?(\w+)[ (]\s*(.*?)\)?\s*(?:do(?:\s*\|[^|]*\|)?)?\s*$/.exec(trimmed);
      if (call) {
        const [, receiver, method, rest] = call as unknown as [string, string | undefined, string, string];
        const block = tableBlock();
        const args = parseArgs(rest);
        if (receiver && block && receiver === block.variable) {
          if (block.kind === "table") await tableMethod(out, env, block.table!, method, args, lineNo);
        } else if (!receiver) {
          await topLevel(out, env, method, args, rest, lineNo);
          if (opensBlock && (method === "change_table" || method === "create_table")) {
            const variable = /\|\s*(\w+)\s*\|/.exec(trimmed)?.[1];
            blocks.push({ kind: method === "change_table" ? "table" : "created", table: args.positional[0], variable });
            continue;
          }
        }
      }
    }
    if (opensBlock) blocks.push({ kind: "other" });
  }
  // MySQL and SQLite have no CONCURRENTLY (MySQL builds most indexes online): index builds are judged for
  // Postgres, or when no db/schema.rb says otherwise.
  if (env.columns.postgres === false) out.ops = out.ops.filter((op) => op.kind !== "create-index");
  // Rails wraps each migration in a transaction unless the class calls disable_ddl_transaction!.
  if (!/^\s*disable_ddl_transaction!/m.test(text)) markConcurrentInTransaction(out);
  return out;
}

function stripComment(line: string): string {
  // A `#` outside quotes starts a comment (string interpolation `#{` is kept).
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && line[i + 1] !== "{") return line.slice(0, i);
  }
  return line;
}

function unbalanced(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
  }
  return depth > 0 || quote !== undefined;
}

export interface RubyArgs {
  /** Symbols and strings in positional position, as names (`:users` → `users`); other values as written. */
  positional: string[];
  /** Per positional argument: a symbol or string literal (false: a variable or expression). */
  literal: boolean[];
  /** Keyword arguments, values as written (`null: false` → { null: "false" }). */
  options: Record<string, string>;
}

export function parseArgs(text: string): RubyArgs {
  const positional: string[] = [];
  const literal: boolean[] = [];
  const options: Record<string, string> = {};
  for (const part of splitTopLevel(text)) {
    const keyword = /^(?::(\w+)\s*=>|(\w+):(?!:))\s*([\s\S]*)$/.exec(part);
    if (keyword) options[keyword[1] ?? keyword[2]!] = keyword[3]!.trim();
    else {
      positional.push(rubyName(part));
      literal.push(/^(:"?[\w?!]+"?|"[^"]*"|'[^']*')$/.test(part.trim()));
    }
  }
  return { positional, literal, options };
}

function rubyName(value: string): string {
  const v = value.trim();
  const m = /^:"?([\w?!]+)"?$/.exec(v) ?? /^["']([^"']*)["']$/.exec(v);
  return m ? m[1]! : v;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") current += text[i++] ?? "";
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      if (current.trim()) parts.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** Top-level methods whose table argument we must read to judge them. */
const JUDGED_METHODS = new Set([
  "drop_table",
  "rename_table",
  "remove_column",
  "remove_columns",
  "remove_reference",
  "remove_belongs_to",
  "remove_timestamps",
  "rename_column",
  "change_column",
  "change_column_null",
  "add_column",
  "add_reference",
  "add_belongs_to",
  "add_index",
]);

const isFalse = (v: string | undefined) => v !== undefined && /^false$/.test(v.trim());
const hasDefault = (o: Record<string, string>) => o.default !== undefined && o.default !== "nil";
const concurrently = (v: string | undefined) => v !== undefined && /algorithm:\s*:concurrently|:algorithm\s*=>\s*:concurrently/.test(v);

interface RailsEnv {
  columns: RailsColumns;
  /** Shared by every `execute` of the migration (e.g. a NOT NULL check validated before change_column_null). */
  sql: SqlState;
}

/** Columns, indexes and check constraints declared in db/schema.rb (the database before the PR). */
export function parseRailsSchema(text: string): RailsColumns {
  const columns = new RailsColumns();
  let table: string | undefined;
  for (const raw of text.split("\n")) {
    const line = stripComment(raw).trim();
    if (/^enable_extension\s+["']plpgsql["']/.test(line)) columns.postgres = true;
    if (/^ActiveRecord::Schema/.test(line) && columns.postgres === undefined) columns.postgres = /enable_extension\s+["']plpgsql["']/.test(text);
    const create = /^create_table\s+["':](\w+)"?(.*)$/.exec(line);
    if (create) {
      table = create[1]!;
      // The implicit primary key, unless `id: false`.
      if (!/\bid:\s*false/.test(create[2]!))
        columns.set(table, "id", { type: /\bid:\s*:uuid/.test(create[2]!) ? "uuid" : "bigint", nullable: false });
      continue;
    }
    if (/^end\b/.test(line)) {
      table = undefined;
      continue;
    }
    const call = /^(?:(t)\.)?(\w+)\s*\(?\s*(.*?)\)?$/.exec(line);
    if (!call) continue;
    const [, receiver, method, rest] = call as unknown as [string, string | undefined, string, string];
    const args = parseArgs(rest);
    if (receiver && table) {
      if (method === "index") columns.index(table, indexColumns(args.positional[0]));
      else if (method === "check_constraint") columns.check(table, args.positional[0] ?? "");
      else if (method === "references" || method === "belongs_to") {
        columns.set(table, `${args.positional[0]}_id`, { type: "bigint" });
        if (args.options.index !== "false") columns.index(table, [`${args.positional[0]}_id`]);
      } else if (method === "column") columns.set(table, args.positional[0]!, columnType(args.positional[1], args.options));
      else if (args.positional[0]) columns.set(table, args.positional[0], columnType(method, args.options));
    } else if (!receiver && method === "add_index") {
      columns.index(args.positional[0] ?? "", indexColumns(args.positional[1]));
    }
  }
  return columns;
}

function indexColumns(value: string | undefined): string[] {
  return (value ?? "").match(/[\w]+/g) ?? [];
}

async function pushSql(out: MigrationAnalysis, sql: string, firstLine: number, state?: SqlState): Promise<void> {
  const analysis = await analyzeSql(sql, firstLine, state);
  out.ops.push(...analysis.ops);
  out.issues.push(...analysis.issues);
}

async function topLevel(out: MigrationAnalysis, env: RailsEnv, method: string, args: RubyArgs, rest: string, line: number): Promise<void> {
  const [table = "", second, third] = args.positional;
  const o = args.options;
  if (args.positional.length > 0 && !args.literal[0] && JUDGED_METHODS.has(method)) {
    out.issues.push({ line, message: `${method} on a table computed at run time (${table}) could not be judged`, mayHideChange: false });
    return;
  }
  const push = (op: Omit<MigrationOp, "line" | "table"> & { table?: string }) => out.ops.push({ table, line, ...op });
  switch (method) {
    case "create_table":
    case "create_join_table":
      if (method === "create_table") push({ kind: "create-table" });
      break;
    case "drop_table":
      push({ kind: "drop-table" });
      break;
    case "rename_table":
      push({ kind: "rename-table", newName: second });
      break;
    case "remove_column":
      push({ kind: "drop-column", column: second });
      break;
    case "remove_columns":
      for (const column of args.positional.slice(1)) push({ kind: "drop-column", column });
      break;
    case "remove_reference":
    case "remove_belongs_to":
      push({ kind: "drop-column", column: `${second}_id` });
      break;
    case "remove_timestamps":
      push({ kind: "drop-column", column: "created_at" });
      push({ kind: "drop-column", column: "updated_at" });
      break;
    case "rename_column":
      push({ kind: "rename-column", column: second, newName: third });
      break;
    case "change_column":
      changeColumn(env, table, second ?? "", columnType(third, o), o, (op) => push(op));
      break;
    case "change_column_null":
      // With a fourth argument Rails first backfills NULLs with it (an UPDATE of the whole table).
      if (
        isFalse(third) &&
        env.columns.get(table, second ?? "")?.nullable !== false &&
        (args.positional[3] !== undefined || !hasValidatedNotNullCheck(env.sql, table, second ?? ""))
      )
        push({ kind: "set-not-null", column: second });
      else push({ kind: "alter-table", column: second });
      break;
    case "add_check_constraint": {
      const expression = second ?? "";
      const notNull = /^\s*"?(\w+)"?\s+IS\s+NOT\s+NULL\s*$/i.exec(expression);
      const name = o.name ? rubyName(o.name) : `chk_${table}_${expression}`;
      if (notNull) env.sql.notNullChecks.set(name, { table, column: notNull[1]!, validated: !isFalse(o.validate) });
      env.columns.check(table, expression);
      push({ kind: "alter-table" });
      break;
    }
    case "validate_check_constraint": {
      const check = o.name ? env.sql.notNullChecks.get(rubyName(o.name)) : undefined;
      if (check) check.validated = true;
      push({ kind: "alter-table" });
      break;
    }
    case "add_column":
      env.columns.set(table, second ?? "", columnType(third, o));
      push({ kind: isFalse(o.null) && !hasDefault(o) ? "add-not-null-column" : "alter-table", column: second });
      break;
    case "add_reference":
    case "add_belongs_to":
      push({ kind: isFalse(o.null) && !hasDefault(o) ? "add-not-null-column" : "alter-table", column: `${second}_id` });
      // Rails adds an index with every reference unless `index: false`.
      if (o.index === undefined || !/^false$/.test(o.index)) push({ kind: "create-index", concurrent: concurrently(o.index) });
      break;
    case "add_index":
      env.columns.index(table, indexColumns(second));
      push({ kind: "create-index", concurrent: concurrently(rest) });
      break;
    case "execute": {
      const literal = /^\(?\s*(["'])([\s\S]*)\1\s*\)?$/.exec(rest.trim());
      if (literal) await pushSql(out, literal[2]!.replace(/\\n/g, "\n"), line, env.sql);
      else out.issues.push({ line, message: "execute with SQL built at run time could not be judged", mayHideChange: false });
      break;
    }
    case "add_foreign_key":
    case "change_column_default":
    case "remove_index":
    case "add_timestamps":
    case "change_column_comment":
    case "add_unique_constraint":
      push({ kind: "alter-table" });
      break;
  }
}

async function tableMethod(out: MigrationAnalysis, env: RailsEnv, table: string, method: string, args: RubyArgs, line: number): Promise<void> {
  const [first, second] = args.positional;
  const o = args.options;
  const push = (op: Omit<MigrationOp, "line" | "table">) => out.ops.push({ table, line, ...op });
  switch (method) {
    case "remove":
      for (const column of args.positional) push({ kind: "drop-column", column });
      break;
    case "remove_references":
    case "remove_belongs_to":
      push({ kind: "drop-column", column: `${first}_id` });
      break;
    case "rename":
      push({ kind: "rename-column", column: first, newName: second });
      break;
    case "change":
      changeColumn(env, table, first ?? "", columnType(second, o), o, push);
      break;
    case "index":
      push({
        kind: "create-index",
        concurrent: concurrently(
          Object.entries(o)
            .map(([k, v]) => `${k}: ${v}`)
            .join(", "),
        ),
      });
      break;
    case "references":
    case "belongs_to":
      push({ kind: isFalse(o.null) && !hasDefault(o) ? "add-not-null-column" : "alter-table", column: `${first}_id` });
      if (o.index === undefined || !/^false$/.test(o.index)) push({ kind: "create-index", concurrent: concurrently(o.index) });
      break;
    case "change_default":
    case "remove_index":
    case "timestamps":
    case "check_constraint":
    case "foreign_key":
      push({ kind: "alter-table" });
      break;
    default:
      // t.column :name, :type, ... and t.<type> :name, ... add a column.
      if (
        method === "column" ||
        /^(string|text|integer|bigint|float|decimal|numeric|datetime|timestamp|time|date|binary|boolean|json|jsonb|uuid|citext|inet|hstore)$/.test(
          method,
        )
      ) {
        const column = method === "column" ? first : first;
        env.columns.set(table, column ?? "", columnType(method === "column" ? second : method, o));
        push({ kind: isFalse(o.null) && !hasDefault(o) ? "add-not-null-column" : "alter-table", column });
      }
  }
}

/**
 * change_column: a type change unless db/schema.rb (or an earlier add_column) shows a change Postgres
 * does in place; `null: false` also sets NOT NULL.
 */
function changeColumn(
  env: RailsEnv,
  table: string,
  column: string,
  to: ReturnType<typeof columnType>,
  options: Record<string, string>,
  push: (op: Omit<MigrationOp, "line" | "table">) => void,
): void {
  const from = env.columns.get(table, column);
  const safe = from !== undefined && isSafeTypeChange(from, to, env.columns.isIndexed(table, column), env.columns.isChecked(table, column));
  push(safe ? { kind: "alter-table", column } : { kind: "change-column-type", column, detail: to.type });
  if (isFalse(options.null) && from?.nullable !== false) push({ kind: "set-not-null", column });
  env.columns.set(table, column, to);
}
