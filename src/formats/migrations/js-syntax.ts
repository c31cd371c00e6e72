/**
 * JavaScript and TypeScript migration files read through Babel's parser (`@babel/parser` with its
 * TypeScript plugin): comments, template literals, calls spread over lines, chained and nested calls all
 * come out as one syntax tree with exact offsets and lines. The framework readers (knex.ts, js-orm.ts)
 * walk the body of the migration's `up` function and read calls, string arguments and option objects here.
 */
import type * as t from "@babel/types";

import { analyzeSql } from "./sql.js";
import { lineAt, type MigrationAnalysis } from "./types.js";

export interface JsModule {
  program: t.Program;
  /** Functions declared in the file by name, class methods as `this.name` (for `exports.up = up` and helpers `up` calls). */
  functions: Map<string, t.Function>;
  /** Module-level and function-level `const X = <static string>` declarations, by name (undefined when declared twice). */
  constants: Map<string, t.Expression | undefined>;
}

export type JsParse = { ok: true; module: JsModule } | { ok: false; line: number; message: string };

/**
 * Babel's parser, loaded on first use: a review without a JavaScript migration (most of them) does not pay for
 * loading half a megabyte of parser (about 12 ms of a 1-file review's 170 ms CPU).
 */
let babelParser: Promise<typeof import("@babel/parser")> | undefined;

/** Parses a migration file; a syntax error Babel cannot recover from is returned with its line. */
export async function parseJs(text: string): Promise<JsParse> {
  babelParser ??= import("@babel/parser");
  const { parse } = await babelParser;
  let program: t.Program;
  try {
    program = parse(text, {
      sourceType: "unambiguous",
      plugins: ["typescript", "decorators-legacy", "importAttributes"],
      errorRecovery: true,
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowImportExportEverywhere: true,
      allowUndeclaredExports: true,
    }).program;
  } catch (error) {
    const e = error as { loc?: { line: number }; message?: string };
    return { ok: false, line: e.loc?.line ?? 1, message: (e.message ?? String(error)).replace(/\s*\(\d+:\d+\)$/, "") };
  }
  const functions = new Map<string, t.Function>();
  const constants = new Map<string, t.Expression | undefined>();
  walk(program, (node) => {
    if (node.type === "FunctionDeclaration" && node.id) functions.set(node.id.name, node);
    // Class methods a migration calls as `this.name(…)` (TypeORM helpers).
    if (node.type === "ClassMethod" && node.kind === "method") {
      const name = keyName(node);
      if (name && name !== "up" && name !== "down") functions.set(`this.${name}`, node);
    }
    if (node.type === "VariableDeclarator" && node.id.type === "Identifier" && node.init) {
      const init = unwrap(node.init);
      if (isFunction(init)) functions.set(node.id.name, init);
      else constants.set(node.id.name, constants.has(node.id.name) ? undefined : init);
    }
  });
  return { ok: true, module: { program, functions, constants } };
}

const SKIP_KEYS = new Set([
  "loc",
  "start",
  "end",
  "extra",
  "leadingComments",
  "trailingComments",
  "innerComments",
  "typeAnnotation",
  "returnType",
  "typeParameters",
]);

/** The syntax nodes directly under `node` (type annotations left out: they never run). */
export function children(node: t.Node): t.Node[] {
  const out: t.Node[] = [];
  for (const key of Object.keys(node)) {
    if (SKIP_KEYS.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v === "object" && typeof (v as t.Node).type === "string") out.push(v as t.Node);
    } else if (value && typeof value === "object" && typeof (value as t.Node).type === "string") out.push(value as t.Node);
  }
  return out;
}

/** Depth-first, parents first; `visit` gets the chain of ancestors (nearest last). */
export function walk(root: t.Node, visit: (node: t.Node, ancestors: readonly t.Node[]) => void): void {
  const ancestors: t.Node[] = [];
  const go = (node: t.Node) => {
    visit(node, ancestors);
    ancestors.push(node);
    for (const child of children(node)) go(child);
    ancestors.pop();
  };
  go(root);
}

export function isFunction(node: t.Node | null | undefined): node is t.Function {
  return (
    node?.type === "FunctionExpression" ||
    node?.type === "ArrowFunctionExpression" ||
    node?.type === "FunctionDeclaration" ||
    node?.type === "ObjectMethod" ||
    node?.type === "ClassMethod"
  );
}

/** `x as T`, `x!`, `(x)`, `<T>x`, `x satisfies T`: the expression itself. */
export function unwrap<N extends t.Node>(node: N): N | t.Expression {
  let n: t.Node = node;
  while (
    n.type === "TSAsExpression" ||
    n.type === "TSNonNullExpression" ||
    n.type === "TSTypeAssertion" ||
    n.type === "TSSatisfiesExpression" ||
    n.type === "ParenthesizedExpression"
  ) {
    n = n.expression;
  }
  return n as N | t.Expression;
}

/** The name a property or method is keyed by (`up`, `"up"`), when it is not computed. */
export function keyName(node: { key: t.Node; computed?: boolean }): string | undefined {
  if (node.computed) return undefined;
  if (node.key.type === "Identifier") return node.key.name;
  if (node.key.type === "StringLiteral") return node.key.value;
  return undefined;
}

/**
 * The migration's `up` functions: `exports.up = …`, `module.exports = { up() {} }` / `{ up: async () => … }`,
 * `export async function up`, `export const up = …`, a class's `up()` method (TypeORM), `export default { up }`.
 * A name that refers to a function declared in the file (`exports.up = up`, `{ up: migrate }`) is followed.
 * Functions `up` calls by name that are declared in the file are read too (helpers), once each.
 */
export function upFunctions(module: JsModule): t.Function[] {
  const found: t.Function[] = [];
  const add = (value: t.Node | null | undefined) => {
    if (!value) return;
    const v = unwrap(value);
    if (isFunction(v)) found.push(v);
    else if (v.type === "Identifier") {
      const declared = module.functions.get(v.name);
      if (declared) found.push(declared);
    }
  };
  walk(module.program, (node, ancestors) => {
    if (ancestors.some((a) => isFunction(a))) return; // `up` members of objects inside functions are not the migration's
    switch (node.type) {
      case "ObjectMethod":
      case "ClassMethod":
        if (keyName(node) === "up" && node.kind === "method") found.push(node);
        break;
      case "ObjectProperty":
      case "ClassProperty":
        if (keyName(node) === "up") add(node.value);
        break;
      case "FunctionDeclaration":
        if (node.id?.name === "up") found.push(node);
        break;
      case "VariableDeclarator":
        if (node.id.type === "Identifier" && node.id.name === "up") add(node.init);
        break;
      case "AssignmentExpression":
        if (
          node.left.type === "MemberExpression" &&
          !node.left.computed &&
          node.left.property.type === "Identifier" &&
          node.left.property.name === "up"
        ) {
          add(node.right);
        }
        break;
    }
  });
  // Helpers the up functions call by name (`await dropLegacy(knex)`), declared in the same file.
  const seen = new Set<t.Node>(found);
  for (let i = 0; i < found.length; i++) {
    walk(found[i]!.body, (node) => {
      if (node.type !== "CallExpression") return;
      const name = memberPath(node.callee)?.join(".");
      const helper = name === undefined ? undefined : module.functions.get(name);
      if (helper && !seen.has(helper)) {
        seen.add(helper);
        found.push(helper);
      }
    });
  }
  return [...new Set(found)];
}

/** The first parameter's name (`knex`, `queryInterface`, `queryRunner`), or the `context` it is destructured from. */
export function firstParamName(fn: t.Function): string | undefined {
  const p = fn.params[0];
  if (!p) return undefined;
  const param = p.type === "AssignmentPattern" ? p.left : p;
  if (param.type === "Identifier") return param.name;
  if (param.type === "ObjectPattern") {
    // umzug: `async ({ context: queryInterface }) => …`
    for (const prop of param.properties) {
      if (prop.type === "ObjectProperty" && keyName(prop) === "context" && prop.value.type === "Identifier") return prop.value.name;
    }
  }
  return undefined;
}

/** `a.b.c` → ["a", "b", "c"] (`this` counts as a name); undefined for anything else. */
export function memberPath(node: t.Node): string[] | undefined {
  const n = unwrap(node);
  if (n.type === "Identifier") return [n.name];
  if (n.type === "ThisExpression") return ["this"];
  if ((n.type === "MemberExpression" || n.type === "OptionalMemberExpression") && !n.computed && n.property.type === "Identifier") {
    const head = memberPath(n.object);
    return head ? [...head, n.property.name] : undefined;
  }
  return undefined;
}

/** For `recv.name(args)`: the method name, the receiver and the name's line. Undefined for other calls. */
export function methodCall(node: t.Node): { name: string; receiver: t.Expression; line: number; call: t.CallExpression } | undefined {
  if (node.type !== "CallExpression" && node.type !== "OptionalCallExpression") return undefined;
  const callee = unwrap(node.callee);
  if ((callee.type !== "MemberExpression" && callee.type !== "OptionalMemberExpression") || callee.computed) return undefined;
  if (callee.property.type !== "Identifier") return undefined;
  return { name: callee.property.name, receiver: callee.object, line: callee.property.loc!.start.line, call: node as t.CallExpression };
}

/** The innermost receiver of a chain: `knex.schema.withSchema("s").alterTable(…)` → `knex`. */
export function chainRoot(node: t.Node): t.Node {
  let n = unwrap(node);
  for (;;) {
    if (n.type === "MemberExpression" || n.type === "OptionalMemberExpression") n = unwrap(n.object);
    else if (n.type === "CallExpression" || n.type === "OptionalCallExpression") n = unwrap(n.callee);
    else if (n.type === "AwaitExpression") n = unwrap(n.argument);
    else return n;
  }
}

/** A string whose value is known without running the code, with the offset of its first character. */
export interface StaticString {
  value: string;
  /** Offset in the file of the first character of the (first) literal's content. */
  start: number;
}

/**
 * The value of a string literal, a template literal without substitutions (`String.raw` too), a `+` of
 * such, or a `const` holding one. Undefined when the string is built at run time.
 */
export function staticString(node: t.Node | null | undefined, module?: JsModule, depth = 0): StaticString | undefined {
  if (!node || depth > 8) return undefined;
  const n = unwrap(node);
  switch (n.type) {
    case "StringLiteral":
      return { value: n.value, start: n.start! + 1 };
    case "TemplateLiteral":
      if (n.expressions.length > 0) return undefined;
      return { value: n.quasis[0]!.value.cooked ?? n.quasis[0]!.value.raw, start: n.quasis[0]!.start! };
    case "TaggedTemplateExpression": {
      const tag = memberPath(n.tag)?.join(".");
      if (tag !== "String.raw" || n.quasi.expressions.length > 0) return undefined;
      return { value: n.quasi.quasis[0]!.value.raw, start: n.quasi.quasis[0]!.start! };
    }
    case "BinaryExpression": {
      if (n.operator !== "+" || n.left.type === "PrivateName") return undefined;
      const left = staticString(n.left, module, depth + 1);
      const right = staticString(n.right, module, depth + 1);
      return left && right ? { value: left.value + right.value, start: left.start } : undefined;
    }
    case "Identifier": {
      const init = module?.constants.get(n.name);
      return init ? staticString(init, module, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}

/** A property of an object literal by name (`{ allowNull: false }`), or undefined. */
export function property(node: t.Node | null | undefined, name: string): t.Expression | undefined {
  if (!node) return undefined;
  const n = unwrap(node);
  if (n.type !== "ObjectExpression") return undefined;
  for (const prop of n.properties) {
    if (prop.type === "ObjectProperty" && keyName(prop) === name) return unwrap(prop.value as t.Expression) as t.Expression;
  }
  return undefined;
}

/** True for the literal `true` / `false` given. */
export function isBoolean(node: t.Node | undefined, value: boolean): boolean {
  return node !== undefined && node.type === "BooleanLiteral" && node.value === value;
}

/** `new Table({...})` / `new TableColumn({...})` → its options object; an object literal as it is. */
export function optionsObject(node: t.Node | null | undefined, module?: JsModule): t.ObjectExpression | undefined {
  if (!node) return undefined;
  let n = unwrap(node);
  if (n.type === "Identifier" && module?.constants.get(n.name)) n = unwrap(module.constants.get(n.name)!);
  if (n.type === "ObjectExpression") return n;
  if (n.type === "NewExpression" && n.arguments[0]) {
    const first = unwrap(n.arguments[0]);
    if (first.type === "ObjectExpression") return first;
  }
  return undefined;
}

/**
 * The SQL of `query("…")` / `raw("…")` read by the SQL parser at its own lines; SQL built at run time (a
 * template literal with substitutions, a variable) is noted, not judged.
 */
export async function pushSql(out: MigrationAnalysis, text: string, node: t.Node | null | undefined, line: number, module: JsModule): Promise<void> {
  if (!node || node.type === "SpreadElement" || node.type === "ArgumentPlaceholder") return;
  const sql = staticString(node, module);
  if (!sql) {
    out.issues.push({ line, message: "SQL built at run time could not be judged", mayHideChange: false });
    return;
  }
  const analysis = await analyzeSql(sql.value, lineAt(text, sql.start));
  out.ops.push(...analysis.ops);
  out.issues.push(...analysis.issues);
}

/** A file Babel could not parse: it may hide anything, so the review fails closed at that line. */
export function unparsable(parsed: Extract<JsParse, { ok: false }>, framework: string): MigrationAnalysis {
  return {
    ops: [],
    issues: [{ line: parsed.line, message: `${framework} migration could not be parsed (${parsed.message})`, mayHideChange: true }],
  };
}
