import {
  buildASTSchema,
  findBreakingChanges,
  Kind,
  parse,
  visit,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
} from "graphql";
import type { ReviewContext } from "../../engine/context.js";
import { isGraphqlPath } from "../../engine/kinds/schemas.js";
import type { ContractBreak } from "../breaking-api-change.js";
import { isNotOwnContract } from "../openapi/spec.js";

const BUILT_IN_SCALARS = new Set(["String", "Int", "Float", "Boolean", "ID"]);

interface Parsed {
  doc: DocumentNode;
  schema: GraphQLSchema;
  /** Types this file defines or extends itself (the rest are stubs for types of other files). */
  defined: Set<string>;
}

/**
 * Parses one SDL file into a schema. Types defined in other files of a split schema are stubbed as
 * scalars so each file can be compared on its own; unknown directives are tolerated (federation).
 */
function build(text: string): Parsed {
  const doc = parse(text);
  const defined = new Set<string>();
  const used = new Set<string>();
  visit(doc, {
    enter(node) {
      if ("name" in node && node.name && (node.kind.endsWith("TypeDefinition") || node.kind.endsWith("TypeExtension"))) {
        defined.add(node.name.value);
      }
      if (node.kind === Kind.NAMED_TYPE) used.add(node.name.value);
    },
  });
  const stubs = [...used].filter((n) => !defined.has(n) && !BUILT_IN_SCALARS.has(n)).map((n) => `scalar ${n}`);
  const full = stubs.length > 0 ? parse(`${text}\n${stubs.join("\n")}`) : doc;
  return { doc, schema: buildASTSchema(full, { assumeValidSDL: true }), defined };
}

/** 1-based line of `Type` or `Type.field` (or `Type.field(arg)`) in a parsed SDL document. */
function lineOf(doc: DocumentNode, typeName: string, fieldName?: string, argName?: string): number | undefined {
  let line: number | undefined;
  visit(doc, {
    enter(node) {
      if (line !== undefined) return false;
      if (!("name" in node) || !node.name || !("fields" in node || "values" in node || "types" in node || node.kind.endsWith("Definition"))) return;
      if (node.name.value !== typeName || !node.kind.endsWith("Definition") && !node.kind.endsWith("Extension")) return;
      line = node.loc?.startToken.line;
      const members = [...("fields" in node && node.fields ? node.fields : []), ...("values" in node && node.values ? node.values : [])];
      const member = fieldName ? members.find((f) => f.name.value === fieldName) : undefined;
      if (member) {
        line = member.loc?.startToken.line ?? line;
        const args = "arguments" in member && member.arguments ? member.arguments : [];
        const arg = argName ? args.find((a) => a.name.value === argName) : undefined;
        if (arg) line = arg.loc?.startToken.line ?? line;
      }
      return false;
    },
  });
  return line;
}

/** Type, field and argument named by a graphql-js change description ("Query.user arg id was removed."). */
function subjectOf(description: string): { type: string; field?: string; arg?: string } | undefined {
  let m = /A required arg (\w+) on (\w+)\.(\w+)/.exec(description);
  if (m) return { type: m[2]!, field: m[3]!, arg: m[1]! };
  m = /A required field (\w+) on input type (\w+)/.exec(description);
  if (m) return { type: m[2]!, field: m[1]! };
  m = /^(\w+)\.(\w+) arg (\w+)/.exec(description);
  if (m) return { type: m[1]!, field: m[2]!, arg: m[3]! };
  m = /^(\w+) was removed from (?:enum|union) type (\w+)/.exec(description);
  if (m) return { type: m[2]!, field: m[1]! };
  m = /^(\w+)\.(\w+)\b/.exec(description);
  if (m) return { type: m[1]!, field: m[2]! };
  m = /^(\w+)\b/.exec(description);
  return m ? { type: m[1]! } : undefined;
}

const DEFINITION = /^[ \t]*(?:extend[ \t]+)?(?:type|input|enum|interface|union|scalar)[ \t]+([A-Za-z_]\w*)/gm;
const headDefinitions = new WeakMap<ReviewContext, Promise<Map<string, Set<string>>>>();

/** Type names defined in each GraphQL file at head (read once per review, at most 300 files). */
function definitionsAtHead(ctx: ReviewContext): Promise<Map<string, Set<string>>> {
  let pending = headDefinitions.get(ctx);
  if (!pending) {
    pending = (async () => {
      const byFile = new Map<string, Set<string>>();
      const paths = (await ctx.paths("head")).filter((p) => isGraphqlPath(p) && !isNotOwnContract(p)).slice(0, 300);
      for (const path of paths) {
        const text = (await ctx.text("head", path)) ?? "";
        byFile.set(path, new Set([...text.matchAll(DEFINITION)].map((m) => m[1]!)));
      }
      return byFile;
    })();
    headDefinitions.set(ctx, pending);
  }
  return pending;
}

/** True when another GraphQL file at head defines `type`: it moved between files, clients see no change. */
async function definedElsewhere(ctx: ReviewContext, type: string, except: string): Promise<boolean> {
  for (const [path, names] of await definitionsAtHead(ctx)) if (path !== except && names.has(type)) return true;
  return false;
}

const REMOVALS = new Set(["TYPE_REMOVED", "FIELD_REMOVED", "ARG_REMOVED", "VALUE_REMOVED_FROM_ENUM"]);

export async function graphqlBreaks(ctx: ReviewContext): Promise<ContractBreak[]> {
  const out: ContractBreak[] = [];
  for (const file of ctx.files) {
    if (!isGraphqlPath(file.path) || file.status === "added" || isNotOwnContract(file.path)) continue;
    const basePath = file.previousPath ?? file.path;
    const baseText = await ctx.text("base", basePath);
    if (baseText === undefined) continue;
    let before: Parsed;
    try {
      before = build(baseText);
    } catch (error) {
      ctx.note(`breaking-api-change: the base version of ${basePath} is not valid GraphQL SDL (${(error as Error).message}); not compared`);
      continue;
    }
    if (file.status === "removed") {
      const types: string[] = [];
      for (const n of before.defined) if (!(await definedElsewhere(ctx, n, file.path))) types.push(n);
      if (types.length > 0) out.push({ side: "base", file: basePath, line: 1, operation: basePath, what: `GraphQL schema file removed (${types.length} types)` });
      continue;
    }
    const headText = await ctx.text("head", file.path);
    if (headText === undefined) continue;
    let after: Parsed;
    try {
      after = build(headText);
    } catch (error) {
      const line = (error as GraphQLError).locations?.[0]?.line ?? 1;
      ctx.problem({ file: file.path, line, message: `cannot parse GraphQL schema ${file.path}:${line}: ${(error as Error).message.split("\n")[0]}` });
      continue;
    }
    for (const change of findBreakingChanges(before.schema, after.schema)) {
      // graphql-js drops built-in scalars nobody references any more; clients cannot notice.
      if (change.type === "TYPE_REMOVED" && /^Standard scalar /.test(change.description)) continue;
      const subject = subjectOf(change.description);
      // A type that moved to another file of a split schema is still there for clients.
      if (subject && !after.defined.has(subject.type) && (await definedElsewhere(ctx, subject.type, file.path))) continue;
      // Still referenced but no longer defined anywhere: the stub makes graphql-js call it a kind change.
      const gone = subject !== undefined && !after.defined.has(subject.type) && before.defined.has(subject.type) && change.type === "TYPE_CHANGED_KIND";
      const headLine = subject ? lineOf(after.doc, subject.type, subject.field, subject.arg) : undefined;
      const removed = REMOVALS.has(change.type) || gone;
      let side: "base" | "head" = "head";
      let line = removed ? undefined : headLine;
      if (line === undefined && subject) {
        const baseLine = lineOf(before.doc, subject.type, subject.field, subject.arg);
        if (removed && baseLine !== undefined) {
          side = "base";
          line = baseLine;
        } else line = headLine ?? baseLine;
      }
      out.push({
        side,
        file: side === "base" ? basePath : file.path,
        line: line ?? 1,
        operation: subject ? [subject.type, subject.field].filter(Boolean).join(".") : "schema",
        what: gone ? `${subject!.type} was removed` : change.description.replace(/\.$/, ""),
        source: "graphql",
      });
    }
  }
  return out;
}
