import type * as t from "@babel/types";

import { isFunction, methodCall, parseJs, pushSql, staticString, unparsable, upFunctions, walk } from "./js-syntax.js";
import type { MigrationAnalysis, MigrationOp } from "./types.js";

const COLUMN_TYPES = new Set(
  "increments|bigIncrements|integer|bigInteger|tinyint|smallint|mediumint|bigint|text|string|float|double|decimal|boolean|date|datetime|time|timestamp|binary|enum|enu|json|jsonb|uuid|specificType|geometry|geography|point".split(
    "|",
  ),
);
const TABLE_CALLS = new Set(["createTable", "createTableIfNotExists", "createTableLike", "alterTable", "table"]);

/**
 * Knex migrations (`exports.up`, `export async function up`, `module.exports = { up }`). Only `up` (and the
 * helpers it calls) is judged. A column call belongs to the table whose `createTable` / `alterTable` /
 * `table` callback receives the builder it is called on (`t.dropColumn("x")` inside `(t) => …`).
 */
export async function analyzeKnex(text: string): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const parsed = await parseJs(text);
  if (!parsed.ok) return unparsable(parsed, "Knex");
  const module = parsed.module;
  const sqlCalls: { node: t.Node | undefined; line: number }[] = [];
  for (const up of upFunctions(module)) {
    walk(up.body, (node, ancestors) => {
      const m = methodCall(node);
      if (!m) return;
      const args = m.call.arguments;
      const table = staticString(args[0], module)?.value ?? "";
      const push = (o: Omit<MigrationOp, "line" | "table">) => out.ops.push({ table, line: m.line, ...o });
      switch (m.name) {
        case "createTable":
        case "createTableIfNotExists":
        case "createTableLike":
          if (args.length > 0) push({ kind: "create-table" });
          return;
        case "dropTable":
        case "dropTableIfExists":
          if (args.length > 0) push({ kind: "drop-table" });
          return;
        case "renameTable":
          if (args.length > 1) push({ kind: "rename-table", newName: staticString(args[1], module)?.value });
          return;
        case "raw":
          sqlCalls.push({ node: args[0], line: m.line });
          return;
      }
      const scope = builderScope(m.receiver, ancestors);
      if (!scope || scope.created) return;
      readColumnCall(m, node, ancestors, module, (o) => out.ops.push({ table: scope.table, line: m.line, ...o }));
    });
  }
  for (const { node, line } of sqlCalls) await pushSql(out, text, node, line, module);
  out.ops.sort((a, b) => a.line - b.line);
  return out;
}

/**
 * The table a column call is made on: `t` must be the first parameter of the nearest enclosing function
 * passed to `createTable` / `alterTable` / `table`.
 */
function builderScope(receiver: t.Node, ancestors: readonly t.Node[]): { table: string; created: boolean } | undefined {
  if (receiver.type !== "Identifier") return undefined;
  for (let i = ancestors.length - 1; i > 0; i--) {
    const fn = ancestors[i]!;
    if (!isFunction(fn)) continue;
    const param = fn.params[0];
    if (param?.type !== "Identifier" || param.name !== receiver.name) continue;
    const parent = methodCall(ancestors[i - 1]!);
    if (!parent || !TABLE_CALLS.has(parent.name) || !parent.call.arguments.includes(fn as t.Expression)) return undefined;
    const table = staticString(parent.call.arguments[0])?.value ?? "";
    return { table, created: parent.name !== "alterTable" && parent.name !== "table" };
  }
  return undefined;
}

function readColumnCall(
  m: NonNullable<ReturnType<typeof methodCall>>,
  node: t.Node,
  ancestors: readonly t.Node[],
  module: Parameters<typeof staticString>[1],
  push: (o: Omit<MigrationOp, "line" | "table">) => void,
): void {
  const args = m.call.arguments;
  const first = staticString(args[0], module)?.value;
  switch (m.name) {
    case "dropColumn":
    case "dropColumns":
      for (const a of args) {
        const names = a.type === "ArrayExpression" ? a.elements : [a];
        for (const n of names) {
          const column = staticString(n, module)?.value;
          if (column !== undefined) push({ kind: "drop-column", column });
        }
      }
      return;
    case "dropTimestamps":
      push({ kind: "drop-column", column: "created_at" });
      push({ kind: "drop-column", column: "updated_at" });
      return;
    case "renameColumn":
      push({ kind: "rename-column", column: first, newName: staticString(args[1], module)?.value });
      return;
    case "dropNullable":
      // knex ≥ 0.95: `t.dropNullable("c")` is ALTER COLUMN c SET NOT NULL.
      push({ kind: "set-not-null", column: first });
      return;
    case "index":
      push({ kind: "create-index", concurrent: false });
      return;
  }
  if (!COLUMN_TYPES.has(m.name)) return;
  // The modifiers chained on the column: `t.string("a").notNullable().defaultTo("x").alter()`.
  const modifiers = new Set<string>();
  let inner: t.Node = node;
  for (let i = ancestors.length - 1; i > 0; i -= 2) {
    const member = ancestors[i]!;
    const call = ancestors[i - 1]!;
    if (member.type !== "MemberExpression" || member.object !== inner || call.type !== "CallExpression" || call.callee !== member) break;
    if (member.property.type === "Identifier") modifiers.add(member.property.name);
    inner = call;
  }
  if (modifiers.has("alter")) {
    // knex's .alter() always emits ALTER COLUMN ... TYPE (plus SET/DROP NOT NULL and DEFAULT).
    push({ kind: "change-column-type", column: first, detail: m.name });
    if (modifiers.has("notNullable")) push({ kind: "set-not-null", column: first });
    return;
  }
  const required = modifiers.has("notNullable") && !modifiers.has("defaultTo") && m.name !== "increments" && m.name !== "bigIncrements";
  push({ kind: required ? "add-not-null-column" : "alter-table", column: first });
}
