import { analyzeSql } from "./sql.js";
import type { MigrationAnalysis, MigrationOp } from "./types.js";

/**
 * Rails migrations (db/migrate/*.rb). Ruby has no parser on npm that we trust, so this reads the
 * migration DSL line by line: calls are one logical line (continued after a trailing comma or open
 * bracket), `change_table` blocks give their table to `t.*` calls, `def down` is a rollback and not
 * judged, and `execute` SQL (strings and heredocs) goes to the SQL parser.
 */
export async function analyzeRails(text: string): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const blocks: { kind: "down" | "table" | "created" | "other"; table?: string; variable?: string }[] = [];
  const inDown = () => blocks.some((b) => b.kind === "down");
  const tableBlock = () => [...blocks].reverse().find((b) => b.kind === "table" || b.kind === "created");

  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    let statement = stripComment(lines[index]!);
    // Join continuation lines (trailing comma, backslash, unbalanced brackets).
    while (index + 1 < lines.length && (/[,\\(\[{]\s*$/.test(statement) || unbalanced(statement))) {
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
    const opensBlock = /\bdo(\s*\|[^|]*\|)?\s*$/.test(trimmed) || /^(class|module|if|unless|case|begin|while|until)\b/.test(trimmed);

    if (!inDown()) {
      // execute with a heredoc: the SQL starts on the next line.
      const heredoc = /^(?:execute|exec_query|safety_assured\s*\{\s*execute)\s*\(?\s*<<([~-]?)(['"]?)(\w+)\2/.exec(trimmed);
      if (heredoc) {
        const terminator = heredoc[3]!;
        const body: string[] = [];
        let j = index + 1;
        for (; j < lines.length && lines[j]!.trim() !== terminator; j++) body.push(lines[j]!);
        await pushSql(out, body.join("\n"), index + 2);
        index = j;
        continue;
      }
      const call = /^(?:(\w+)\.)?(\w+)[ (]\s*(.*?)\)?\s*(?:do(?:\s*\|[^|]*\|)?)?\s*$/.exec(trimmed);
      if (call) {
        const [, receiver, method, rest] = call as unknown as [string, string | undefined, string, string];
        const block = tableBlock();
        const args = parseArgs(rest);
        if (receiver && block && receiver === block.variable) {
          if (block.kind === "table") await tableMethod(out, block.table!, method, args, lineNo);
        } else if (!receiver) {
          await topLevel(out, method, args, rest, lineNo);
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
  /** Keyword arguments, values as written (`null: false` → { null: "false" }). */
  options: Record<string, string>;
}

export function parseArgs(text: string): RubyArgs {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (const part of splitTopLevel(text)) {
    const keyword = /^(?::(\w+)\s*=>|(\w+):(?!:))\s*([\s\S]*)$/.exec(part);
    if (keyword) options[keyword[1] ?? keyword[2]!] = keyword[3]!.trim();
    else positional.push(rubyName(part));
  }
  return { positional, options };
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

const isFalse = (v: string | undefined) => v !== undefined && /^false$/.test(v.trim());
const hasDefault = (o: Record<string, string>) => o.default !== undefined && o.default !== "nil";
const concurrently = (v: string | undefined) => v !== undefined && /algorithm:\s*:concurrently|:algorithm\s*=>\s*:concurrently/.test(v);

async function pushSql(out: MigrationAnalysis, sql: string, firstLine: number): Promise<void> {
  const analysis = await analyzeSql(sql, firstLine);
  out.ops.push(...analysis.ops);
  out.issues.push(...analysis.issues);
}

async function topLevel(out: MigrationAnalysis, method: string, args: RubyArgs, rest: string, line: number): Promise<void> {
  const [table = "", second, third] = args.positional;
  const o = args.options;
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
      push({ kind: "change-column-type", column: second, detail: third });
      break;
    case "change_column_null":
      if (isFalse(third)) push({ kind: "set-not-null", column: second });
      else push({ kind: "alter-table", column: second });
      break;
    case "add_column":
      push({ kind: isFalse(o.null) && !hasDefault(o) ? "add-not-null-column" : "alter-table", column: second });
      break;
    case "add_reference":
    case "add_belongs_to":
      push({ kind: isFalse(o.null) && !hasDefault(o) ? "add-not-null-column" : "alter-table", column: `${second}_id` });
      // Rails adds an index with every reference unless `index: false`.
      if (o.index === undefined || !/^false$/.test(o.index)) push({ kind: "create-index", concurrent: concurrently(o.index) });
      break;
    case "add_index":
      push({ kind: "create-index", concurrent: concurrently(rest) });
      break;
    case "execute": {
      const literal = /^\(?\s*(["'])([\s\S]*)\1\s*\)?$/.exec(rest.trim());
      if (literal) await pushSql(out, literal[2]!.replace(/\\n/g, "\n"), line);
      else out.issues.push({ line, message: "execute with SQL built at run time could not be judged", mayHideChange: false });
      break;
    }
    case "add_foreign_key":
    case "add_check_constraint":
    case "change_column_default":
    case "remove_index":
    case "add_timestamps":
    case "change_column_comment":
    case "add_unique_constraint":
      push({ kind: "alter-table" });
      break;
  }
}

async function tableMethod(out: MigrationAnalysis, table: string, method: string, args: RubyArgs, line: number): Promise<void> {
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
      push({ kind: "change-column-type", column: first, detail: second });
      break;
    case "index":
      push({ kind: "create-index", concurrent: concurrently(Object.entries(o).map(([k, v]) => `${k}: ${v}`).join(", ")) });
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
      if (method === "column" || /^(string|text|integer|bigint|float|decimal|numeric|datetime|timestamp|time|date|binary|boolean|json|jsonb|uuid|citext|inet|hstore)$/.test(method)) {
        const column = first;
        push({ kind: isFalse(o.null) && !hasDefault(o) ? "add-not-null-column" : "alter-table", column });
      }
  }
}
