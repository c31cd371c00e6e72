import type {
  ASTNode,
  BreakingChange,
  DefinitionNode,
  DirectiveNode,
  DocumentNode,
  EnumValueDefinitionNode,
  FieldDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  InputValueDefinitionNode,
  TypeDefinitionNode,
  TypeExtensionNode,
  TypeNode,
  ValueNode,
} from "graphql";
import type { QueryDocumentKeys } from "graphql/language/ast.js";
import type { ReviewView } from "../../engine/types.js";
import { isGraphqlPath } from "../contracts/kinds.js";
import { lazyRequire } from "../../engine/lazy.js";
import { patchText } from "../../engine/patch.js";
import type { ContractBreak } from "../contracts/contract-break.js";
import { isNotOwnContract } from "../openapi/spec.js";

/** The parts of graphql-js used here (its modules, not its index: execution and validation are not needed). */
type GraphQL = typeof import("graphql/language/parser.js") &
  typeof import("graphql/language/lexer.js") &
  typeof import("graphql/language/source.js") &
  typeof import("graphql/language/kinds.js") &
  typeof import("graphql/language/tokenKind.js") &
  typeof import("graphql/utilities/buildASTSchema.js") &
  typeof import("graphql/utilities/findBreakingChanges.js") & { keys: typeof QueryDocumentKeys };

/**
 * graphql-js, loaded by the first review that compares a GraphQL schema: required, not imported (it is
 * CommonJS; an import would also have Node scan each module's source for its export names).
 */
let graphqlModule: GraphQL | undefined;
const loadGraphql = (): GraphQL =>
  (graphqlModule ??= Object.assign(
    {},
    ...[
      "graphql/language/parser.js",
      "graphql/language/lexer.js",
      "graphql/language/source.js",
      "graphql/language/kinds.js",
      "graphql/language/tokenKind.js",
      "graphql/utilities/buildASTSchema.js",
      "graphql/utilities/findBreakingChanges.js",
    ].map((id) => lazyRequire(id) as object),
    { keys: (lazyRequire("graphql/language/ast.js") as { QueryDocumentKeys: typeof QueryDocumentKeys }).QueryDocumentKeys },
  ) as GraphQL);

const BUILT_IN_SCALARS = new Set(["String", "Int", "Float", "Boolean", "ID"]);

interface Parsed {
  text: string;
  doc: DocumentNode;
  /** Types this file defines or extends itself (the rest are stubs for types of other files). */
  defined: Set<string>;
  /** Types this file refers to but does not define (other files' types), stubbed as scalars. */
  stubs: string[];
  /** Each type's definitions and extensions in file order, and the stubs. */
  byName: Map<string, DefinitionNode[]>;
  /** Directive definitions and schema definitions or extensions. */
  other: DefinitionNode[];
  /** False when building or comparing this file's schema might throw (see `isPlain`). */
  plain: boolean;
  /** The stub definitions in `byName`. */
  stubNodes: Set<DefinitionNode>;
  /** Lines to add to a top-level definition's own line numbers (definitions reused or parsed apart, see `parseHead`). */
  lineShift?: Map<DefinitionNode, number>;
}

const isTypeNode = (node: ASTNode): node is TypeDefinitionNode | TypeExtensionNode =>
  "name" in node && !!node.name && (node.kind.endsWith("TypeDefinition") || node.kind.endsWith("TypeExtension"));

/** Object, Interface, Union, Enum, InputObject or Scalar. */
const familyOf = (kind: string): string => kind.replace(/Type(Definition|Extension)$/, "");

/** Name of the named type under list and non-null wrappers. */
function namedType(type: TypeNode): string {
  return type.kind === "NamedType" ? type.name.value : namedType(type.type);
}

/** What `scan` reports of one top-level definition. */
interface ScanHandlers {
  /** Every type it refers to, in source order. */
  namedType(name: string): void;
  directive?(node: DirectiveNode): void;
  /** Arguments and input fields; `fieldArgument` for the arguments of an object or interface field. */
  inputValue?(node: InputValueDefinitionNode, fieldArgument: boolean): void;
  /** A kind the type-system walk below does not know (a newer graphql-js). */
  unknown?(): void;
}

/**
 * Reports the type references, directives and input values of one top-level definition. Type-system
 * definitions are read field by field (a generic walk is several times slower on a big schema);
 * operations and fragments, which hold no type-system parts, go through a generic walk.
 */
function scan(g: GraphQL, node: DefinitionNode, on: ScanHandlers): void {
  const directives = (list: readonly DirectiveNode[] | undefined) => {
    if (on.directive && list) for (const d of list) on.directive(d);
  };
  const inputValue = (value: InputValueDefinitionNode, fieldArgument: boolean) => {
    on.namedType(namedType(value.type));
    directives(value.directives);
    on.inputValue?.(value, fieldArgument);
  };
  switch (node.kind) {
    case g.Kind.OBJECT_TYPE_DEFINITION:
    case g.Kind.OBJECT_TYPE_EXTENSION:
    case g.Kind.INTERFACE_TYPE_DEFINITION:
    case g.Kind.INTERFACE_TYPE_EXTENSION:
      for (const i of node.interfaces ?? []) on.namedType(i.name.value);
      directives(node.directives);
      for (const field of node.fields ?? []) {
        for (const arg of field.arguments ?? []) inputValue(arg, true);
        on.namedType(namedType(field.type));
        directives(field.directives);
      }
      return;
    case g.Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case g.Kind.INPUT_OBJECT_TYPE_EXTENSION:
      directives(node.directives);
      for (const field of node.fields ?? []) inputValue(field, false);
      return;
    case g.Kind.UNION_TYPE_DEFINITION:
    case g.Kind.UNION_TYPE_EXTENSION:
      directives(node.directives);
      for (const t of node.types ?? []) on.namedType(t.name.value);
      return;
    case g.Kind.ENUM_TYPE_DEFINITION:
    case g.Kind.ENUM_TYPE_EXTENSION:
      directives(node.directives);
      for (const value of node.values ?? []) directives(value.directives);
      return;
    case g.Kind.SCALAR_TYPE_DEFINITION:
    case g.Kind.SCALAR_TYPE_EXTENSION:
      directives(node.directives);
      return;
    case g.Kind.DIRECTIVE_DEFINITION:
      for (const arg of node.arguments ?? []) inputValue(arg, false);
      return;
    case g.Kind.SCHEMA_DEFINITION:
    case g.Kind.SCHEMA_EXTENSION:
      directives(node.directives);
      for (const op of node.operationTypes ?? []) on.namedType(op.type.name.value);
      return;
    default:
      if (node.kind !== g.Kind.OPERATION_DEFINITION && node.kind !== g.Kind.FRAGMENT_DEFINITION) on.unknown?.();
      walk(g, node, (n) => {
        if (n.kind === g.Kind.NAMED_TYPE) on.namedType(n.name.value);
        return false;
      });
  }
}

/** Calls `enter` on `node` and every node below it, depth first in graphql-js's `visit` order, until it returns true. */
function walk(g: GraphQL, node: ASTNode, enter: (node: ASTNode) => boolean): boolean {
  if (enter(node)) return true;
  for (const key of (g.keys as Record<string, readonly string[]>)[node.kind] ?? []) {
    const child = (node as unknown as Record<string, ASTNode | readonly ASTNode[] | undefined | null>)[key];
    if (child === undefined || child === null) continue;
    if (Array.isArray(child)) {
      for (const item of child as readonly ASTNode[]) if (walk(g, item, enter)) return true;
    } else if (walk(g, child as ASTNode, enter)) return true;
  }
  return false;
}

/**
 * Parses one SDL file. Types defined in other files of a split schema are stubbed as scalars (when the
 * schema is built) so each file can be compared on its own; unknown directives are tolerated (federation).
 */
function parseSdl(g: GraphQL, text: string): Parsed {
  return analyze(g, text, g.parse(text));
}

/** What the comparison needs to know of a parsed SDL file. */
function analyze(g: GraphQL, text: string, doc: DocumentNode, lineShift?: Map<DefinitionNode, number>): Parsed {
  const defined = new Set<string>();
  const used = new Set<string>();
  const byName = new Map<string, DefinitionNode[]>();
  const other: DefinitionNode[] = [];
  let risky = false;
  const defaults: { node: InputValueDefinitionNode; fieldArgument: boolean }[] = [];
  const stringArgs = (node: DirectiveNode, arg: string, required: boolean) =>
    (!required || (node.arguments ?? []).length > 0) && (node.arguments ?? []).every((a) => a.name.value === arg && a.value.kind === g.Kind.STRING);
  const handlers: ScanHandlers = {
    namedType: (name) => used.add(name),
    // graphql-js reads these two directives' arguments while it builds the schema (and throws on bad ones).
    directive(node) {
      if (node.name.value === "deprecated" && !stringArgs(node, "reason", false)) risky = true;
      if (node.name.value === "specifiedBy" && !stringArgs(node, "url", true)) risky = true;
    },
    inputValue(node, fieldArgument) {
      if (node.defaultValue) defaults.push({ node, fieldArgument });
    },
    unknown: () => (risky = true),
  };
  for (const node of doc.definitions) {
    if (isTypeNode(node)) {
      defined.add(node.name.value);
      const nodes = byName.get(node.name.value);
      if (nodes) nodes.push(node);
      else byName.set(node.name.value, [node]);
    } else if (node.kind === g.Kind.DIRECTIVE_DEFINITION || node.kind === g.Kind.SCHEMA_DEFINITION || node.kind === g.Kind.SCHEMA_EXTENSION) {
      other.push(node);
    }
    scan(g, node, handlers);
  }
  const stubs = [...used].filter((n) => !defined.has(n) && !BUILT_IN_SCALARS.has(n));
  const stubNodes = stubDefinitions(g, stubs);
  stubs.forEach((name, i) => byName.set(name, [stubNodes[i]!]));
  const parsed: Parsed = { text, doc, defined, stubs, byName, other, plain: false, stubNodes: new Set(stubNodes), lineShift };
  parsed.plain = !risky && isPlain(g, parsed, used, defaults);
  return parsed;
}

/** Line terminators in `text` as the GraphQL lexer counts them (\n, \r\n, and a lone \r). */
function lineBreaks(text: string): number {
  let count = 0;
  for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", nl + 1)) count++;
  if (text.includes("\r")) count += text.match(/\r(?!\n)/g)?.length ?? 0;
  return count;
}

/**
 * The head version of a file parsed mostly from the base's parse: every base definition the patch left
 * alone (and whose text is found unchanged where the patch puts it) is reused, and only the text between
 * those is parsed. Undefined when that cannot be done safely (no patch, a part that does not parse on its
 * own): the caller parses the whole file, which also reports any syntax error as before.
 *
 * Why the result equals a whole parse: a reused definition ends with `}` (nothing can extend it) and
 * starts at the start of a line that does not open with `{`, so a whole parse meets it in the same state
 * as a parse of the base did, and the text between two of them is lexed and parsed the same on its own
 * as within the whole file when it parses at all. The patch only says where to look: every reused
 * definition is found in the head text itself, and head line numbers are counted in the head text.
 */
function parseHead(
  g: GraphQL,
  before: Parsed,
  text: string,
  patch: string | undefined,
): { doc: DocumentNode; lineShift: Map<DefinitionNode, number> } | undefined {
  if (!patch) return undefined;
  // Unchanged base line ranges, and how far their lines and characters moved: [first, last, lines, chars].
  const regions: [number, number, number, number][] = [];
  let nextBase = 1;
  let lines = 0;
  let chars = 0;
  let last: string | undefined;
  for (const line of patch.split("\n")) {
    const m = line[0] === "@" ? /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line) : null;
    if (m) {
      const [a, b, c, d] = [Number(m[1]), m[2] === undefined ? 1 : Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
      const hunkBase = b === 0 ? a + 1 : a; // an insertion after line a changes no base line
      if (hunkBase - 1 >= nextBase) regions.push([nextBase, hunkBase - 1, lines, chars]);
      nextBase = b === 0 ? a + 1 : a + b;
      lines = (d === 0 ? c + 1 : c + d) - nextBase;
    } else if (line[0] === "+")
      chars += line.length; // the text and its newline
    else if (line[0] === "-") chars -= line.length;
    else if (line[0] === "\\") {
      // "\ No newline at end of file": the line before has no newline.
      if (last === "+") chars--;
      else if (last === "-") chars++;
    }
    last = line[0];
  }
  regions.push([nextBase, Infinity, lines, chars]);
  // The regions follow the hunks, in order and apart, and definitions are asked about in source order: a cursor
  // finds each one's region (a search from the first region for every definition was quadratic on a big patch).
  let next = 0;
  const regionOf = (line: number) => {
    while (next < regions.length && regions[next]![1] < line) next++;
    const region = regions[next];
    return region && region[0] <= line ? region : undefined;
  };

  const definitions: DefinitionNode[] = [];
  const lineShift = new Map<DefinitionNode, number>();
  let at = 0; // head text parsed or reused so far
  let atLine = 1; // its line
  const parseGap = (end: number): boolean => {
    const body = text.slice(at, end);
    const gap = new g.Source(body);
    let doc: DocumentNode | undefined;
    try {
      // Nothing but blanks and comments parses to nothing (a document needs a definition).
      if (new g.Lexer(gap).advance().kind !== g.TokenKind.EOF) doc = g.parse(gap);
    } catch {
      return false;
    }
    for (const definition of doc?.definitions ?? []) {
      definitions.push(definition);
      lineShift.set(definition, atLine - 1); // line 1 of the gap is the head line it starts on
    }
    atLine += lineBreaks(body);
    at = end;
    return true;
  };
  for (const definition of before.doc.definitions) {
    const loc = definition.loc;
    if (!loc || loc.source.body !== before.text || definition.kind === g.Kind.OPERATION_DEFINITION || definition.kind === g.Kind.FRAGMENT_DEFINITION)
      continue;
    const own = before.text.slice(loc.start, loc.end);
    if (!own.endsWith("}") || own.startsWith("{")) continue;
    const region = regionOf(loc.startToken.line);
    if (!region || loc.endToken.line > region[1]) continue;
    const q = loc.start + region[3];
    if (q < at || (q > 0 && text[q - 1] !== "\n" && text[q - 1] !== "\r") || !text.startsWith(own, q)) continue;
    if (!parseGap(q)) return undefined;
    definitions.push(definition);
    lineShift.set(definition, atLine - loc.startToken.line);
    atLine += loc.endToken.line - loc.startToken.line;
    at = q + own.length;
  }
  if (!parseGap(text.length)) return undefined;
  // A file with no definitions at all is a syntax error, which the whole parse reports.
  if (definitions.length === 0) return undefined;
  return { doc: { kind: g.Kind.DOCUMENT, definitions }, lineShift };
}

function stubDefinitions(g: GraphQL, names: readonly string[]): readonly DefinitionNode[] {
  return names.length === 0 ? [] : g.parse(names.map((n) => `scalar ${n}`).join("\n")).definitions;
}

/** The schema graphql-js builds from the whole file and its stubs. */
function buildFull(g: GraphQL, parsed: Parsed): GraphQLSchema {
  const doc =
    parsed.stubs.length === 0 ? parsed.doc : { ...parsed.doc, definitions: [...parsed.doc.definitions, ...stubDefinitions(g, parsed.stubs)] };
  return g.buildASTSchema(doc, { assumeValidSDL: true });
}

/**
 * True when graphql-js can neither throw while building this file's schema nor while comparing it with
 * another version, judged from the syntax: every type it refers to has one definition (or is a stub),
 * extensions match their definition's kind, no default value puts a literal where graphql-js cannot
 * coerce it or turn it back into a literal, and @deprecated and @specifiedBy take string literals (the
 * caller checks those). Files that are not plain are compared whole, as graphql-js builds them.
 */
function isPlain(g: GraphQL, parsed: Parsed, used: Set<string>, defaults: { node: InputValueDefinitionNode; fieldArgument: boolean }[]): boolean {
  const family = new Map<string, string>();
  for (const [name, nodes] of parsed.byName) {
    if (name.startsWith("__")) return false;
    const definitions = nodes.filter((n) => n.kind.endsWith("Definition")).length; // a stub is one
    if (definitions === 0) {
      // Extensions of a type with no definition: graphql-js ignores them, and throws if it is referred to.
      if (used.has(name)) return false;
      continue;
    }
    const families = new Set(nodes.map((n) => familyOf(n.kind)));
    if (definitions > 1 || families.size !== 1) return false;
    family.set(name, [...families][0]!);
  }
  for (const name of used) {
    if (!BUILT_IN_SCALARS.has(name) && !family.has(name)) return false;
  }
  const familyOfType = (type: TypeNode): string => {
    const name = namedType(type);
    return BUILT_IN_SCALARS.has(name) ? "BuiltIn" : family.get(name)!;
  };
  const inputFields = (name: string, field: string) =>
    (parsed.byName.get(name) ?? [])
      .flatMap((n) => ("fields" in n && n.fields ? [...n.fields] : []))
      .filter((f) => f.name.value === field) as InputValueDefinitionNode[];

  // valueFromAST throws (an invariant) where a literal meets an output type.
  const coercionMayThrow = (value: ValueNode, type: TypeNode): boolean => {
    if (value.kind === g.Kind.VARIABLE || value.kind === g.Kind.NULL) return false;
    if (type.kind === g.Kind.NON_NULL_TYPE) return coercionMayThrow(value, type.type);
    if (type.kind === g.Kind.LIST_TYPE) {
      return value.kind === g.Kind.LIST ? value.values.some((v) => coercionMayThrow(v, type.type)) : coercionMayThrow(value, type.type);
    }
    const kind = familyOfType(type);
    if (kind === "BuiltIn" || kind === "Scalar" || kind === "Enum") return false;
    if (kind !== "InputObject") return true;
    if (value.kind !== g.Kind.OBJECT) return false;
    return value.fields.some((f) => inputFields(type.name.value, f.name.value).some((d) => coercionMayThrow(f.value, d.type)));
  };
  // findBreakingChanges turns two versions' argument defaults back into literals (astFromValue), which
  // throws for a custom scalar holding a list or an object; input objects are not followed (not plain).
  const literalMayThrow = (value: ValueNode, type: TypeNode): boolean => {
    if (value.kind === g.Kind.VARIABLE || value.kind === g.Kind.NULL) return false;
    if (type.kind === g.Kind.NON_NULL_TYPE) return literalMayThrow(value, type.type);
    if (type.kind === g.Kind.LIST_TYPE) {
      return value.kind === g.Kind.LIST ? value.values.some((v) => literalMayThrow(v, type.type)) : literalMayThrow(value, type.type);
    }
    const kind = familyOfType(type);
    if (kind === "BuiltIn" || kind === "Enum") return false;
    if (kind === "Scalar") return value.kind === g.Kind.LIST || value.kind === g.Kind.OBJECT;
    return true;
  };
  return !defaults.some(
    ({ node, fieldArgument }) => coercionMayThrow(node.defaultValue!, node.type) || (fieldArgument && literalMayThrow(node.defaultValue!, node.type)),
  );
}

/**
 * Two plain files cut down to what can differ. A type whose definitions changed (their source text)
 * keeps only the fields, input fields or enum values whose source text changed, was added or was
 * removed: graphql-js compares the others by name, type name and arguments, which are equal, so they
 * can yield no breaking change. Every type an argument or input field of what is kept refers to is kept
 * whole, and so on through input objects: graphql-js coerces default values with those types. Every
 * other type referred to is the same on both sides and compared by name only, so it becomes a scalar
 * stub on both sides. graphql-js finds the same breaking changes in these documents as in the whole
 * files, in another order (a built-in scalar that is no longer referenced may differ too, and is ignored).
 */
function changedParts(g: GraphQL, before: Parsed, after: Parsed): [DocumentNode, DocumentNode] {
  const sides = [before, after] as const;
  // A node's own source text (a reused or separately parsed definition keeps the text it was parsed from).
  const sourceOf = (parsed: Parsed, node: ASTNode) =>
    parsed.stubNodes.has(node as DefinitionNode) || !node.loc ? "\0stub" : node.loc.source.body.slice(node.loc.start, node.loc.end);
  const source = (parsed: Parsed, name: string) => (parsed.byName.get(name) ?? []).map((n) => sourceOf(parsed, n)).join("\0");
  const changed = new Set<string>();
  for (const name of new Set([...before.byName.keys(), ...after.byName.keys()])) {
    if (source(before, name) !== source(after, name)) changed.add(name);
  }

  // The members (fields, input fields, enum values) of a changed type that differ, by name.
  type Member = { name: { value: string } } & ASTNode;
  const membersOf = (node: DefinitionNode): readonly Member[] =>
    "fields" in node && node.fields ? node.fields : "values" in node && node.values ? node.values : [];
  const memberSources = (parsed: Parsed, name: string) => {
    const out = new Map<string, string>();
    for (const node of parsed.byName.get(name) ?? []) {
      for (const member of membersOf(node)) out.set(member.name.value, `${out.get(member.name.value) ?? ""}\0${sourceOf(parsed, member)}`);
    }
    return out;
  };
  const trimmed = new Map<string, [DefinitionNode[], DefinitionNode[]]>();
  for (const name of changed) {
    const [b, h] = sides.map((side) => memberSources(side, name));
    const differ = new Set([...b.keys(), ...h.keys()].filter((m) => b.get(m) !== h.get(m)));
    const [bn, hn] = sides.map((side) =>
      (side.byName.get(name) ?? []).map((node) =>
        "fields" in node && node.fields
          ? ({ ...node, fields: node.fields.filter((f) => differ.has(f.name.value)) } as DefinitionNode)
          : "values" in node && node.values
            ? ({ ...node, values: node.values.filter((v) => differ.has(v.name.value)) } as DefinitionNode)
            : node,
      ),
    );
    trimmed.set(name, [bn!, hn!]);
  }

  const whole = new Set<string>();
  const queue: string[] = [];
  const reach = (node: InputValueDefinitionNode) => {
    const name = namedType(node.type);
    if (whole.has(name)) return;
    whole.add(name);
    queue.push(name);
  };
  const inputTypes: ScanHandlers = { namedType: () => undefined, inputValue: reach };
  for (const side of sides) for (const node of side.other) scan(g, node, inputTypes);
  for (const [bn, hn] of trimmed.values()) for (const node of [...bn, ...hn]) scan(g, node, inputTypes);
  while (queue.length > 0) {
    const name = queue.pop()!;
    for (const side of sides) for (const node of side.byName.get(name) ?? []) scan(g, node, inputTypes);
  }

  const names = [...new Set([...changed, ...whole])];
  const kept = sides.map((side, i) => [
    ...side.other,
    ...names.flatMap((name) => (whole.has(name) ? (side.byName.get(name) ?? []) : trimmed.get(name)![i]!)),
  ]);
  // Every other type the kept definitions refer to, stubbed on both sides.
  const referenced = new Set<string>();
  for (const definitions of kept) for (const node of definitions) scan(g, node, { namedType: (name) => referenced.add(name) });
  const stubs = stubDefinitions(
    g,
    [...referenced].filter((n) => !changed.has(n) && !whole.has(n) && !BUILT_IN_SCALARS.has(n)),
  );
  const [base, head] = kept.map((definitions) => ({ kind: g.Kind.DOCUMENT, definitions: [...definitions, ...stubs] }) as DocumentNode);
  return [base!, head!];
}

/**
 * 1-based line of `Type` or `Type.field` (or `Type.field(arg)`) in a parsed SDL document: the first node
 * of that name in `visit` order that defines something (a field or value of that name counts too, as
 * it always did). Only top-level definitions, their fields, values and arguments, and the fields'
 * arguments can match, so only those are looked at.
 */
function lineOf(parsed: Parsed, typeName: string, fieldName?: string, argName?: string): number | undefined {
  const line = lineInDocument(parsed.doc, typeName, fieldName, argName);
  return line && line.line + (parsed.lineShift?.get(line.definition) ?? 0);
}

/** A node `lineInDocument` may stop at, in the order it looks: `blockedBy` are the names of the candidates above it. */
interface LineCandidate {
  node: ASTNode;
  definition: DefinitionNode;
  blockedBy: readonly string[];
}

/**
 * Every node of a document that `lineInDocument` could stop at, by name, in the order it looks at them; built once
 * per document (a 30,000-line schema's breaking changes each scanned every definition again).
 */
const candidateIndex = new WeakMap<DocumentNode, Map<string, LineCandidate[]>>();

function candidatesOf(doc: DocumentNode): Map<string, LineCandidate[]> {
  let index = candidateIndex.get(doc);
  if (index) return index;
  index = new Map();
  const isCandidate = (node: ASTNode): node is ASTNode & { name: { value: string } } =>
    "name" in node &&
    !!node.name &&
    ("fields" in node || "values" in node || "types" in node || node.kind.endsWith("Definition")) &&
    (node.kind.endsWith("Definition") || node.kind.endsWith("Extension"));
  const add = (node: ASTNode, definition: DefinitionNode, blockedBy: readonly string[]): readonly string[] => {
    if (!isCandidate(node)) return blockedBy;
    const name = node.name.value;
    let list = index!.get(name);
    if (!list) index!.set(name, (list = []));
    list.push({ node, definition, blockedBy });
    return [...blockedBy, name];
  };
  for (const definition of doc.definitions) {
    const outer = add(definition, definition, []);
    const children: readonly ASTNode[] = [
      ...("fields" in definition && definition.fields ? definition.fields : []),
      ...("values" in definition && definition.values ? definition.values : []),
      ...("arguments" in definition && definition.arguments ? definition.arguments : []),
    ];
    for (const child of children) {
      const inner = add(child, definition, outer);
      for (const arg of "arguments" in child && child.arguments ? child.arguments : []) add(arg, definition, inner);
    }
  }
  candidateIndex.set(doc, index);
  return index;
}

function lineInDocument(
  doc: DocumentNode,
  typeName: string,
  fieldName?: string,
  argName?: string,
): { line: number; definition: DefinitionNode } | undefined {
  const lineAt = (node: ASTNode): number | undefined => {
    let line = node.loc?.startToken.line;
    const members = [...("fields" in node && node.fields ? node.fields : []), ...("values" in node && node.values ? node.values : [])] as readonly (
      | FieldDefinitionNode
      | InputValueDefinitionNode
      | EnumValueDefinitionNode
    )[];
    const member = fieldName ? members.find((f) => f.name.value === fieldName) : undefined;
    if (member) {
      line = member.loc?.startToken.line ?? line;
      const args = "arguments" in member && member.arguments ? member.arguments : [];
      const arg = argName ? args.find((a) => a.name.value === argName) : undefined;
      if (arg) line = arg.loc?.startToken.line ?? line;
    }
    return line;
  };
  // A match without a location is passed over, and what it holds unseen (as `visit` did).
  for (const candidate of candidatesOf(doc).get(typeName) ?? []) {
    if (candidate.blockedBy.includes(typeName)) continue;
    const line = lineAt(candidate.node);
    if (line !== undefined) return { line, definition: candidate.definition };
  }
  return undefined;
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
/** Type names defined in each GraphQL file at head (read once per review, at most 300 files). */
function definitionsAtHead(ctx: ReviewView): Promise<Map<string, Set<string>>> {
  return ctx.memo("graphql:head-definitions", async (review) => {
    const byFile = new Map<string, Set<string>>();
    const paths = (await review.paths("head")).filter((p) => isGraphqlPath(p) && !isNotOwnContract(p)).slice(0, 300);
    for (const path of paths) {
      const text = (await review.text("head", path)) ?? "";
      byFile.set(path, new Set([...text.matchAll(DEFINITION)].map((m) => m[1]!)));
    }
    return byFile;
  });
}

/** True when another GraphQL file at head defines `type`: it moved between files, clients see no change. */
async function definedElsewhere(ctx: ReviewView, type: string, except: string): Promise<boolean> {
  for (const [path, names] of await definitionsAtHead(ctx)) if (path !== except && names.has(type)) return true;
  return false;
}

const REMOVALS = new Set(["TYPE_REMOVED", "FIELD_REMOVED", "ARG_REMOVED", "VALUE_REMOVED_FROM_ENUM"]);

export async function graphqlBreaks(ctx: ReviewView): Promise<ContractBreak[]> {
  const out: ContractBreak[] = [];
  for (const file of ctx.files) {
    if (!isGraphqlPath(file.path) || file.status === "added" || isNotOwnContract(file.path)) continue;
    const basePath = file.previousPath ?? file.path;
    const baseText = await ctx.text("base", basePath);
    if (baseText === undefined) continue;
    const g = loadGraphql();
    let before: Parsed;
    // A file that might make graphql-js throw is built whole, as it always was, so its errors read the same.
    let beforeSchema: GraphQLSchema | undefined;
    try {
      before = parseSdl(g, baseText);
      if (!before.plain) beforeSchema = buildFull(g, before);
    } catch (error) {
      ctx.note(`the base version of ${basePath} is not valid GraphQL SDL (${(error as Error).message}); not compared`, "not-judged");
      continue;
    }
    if (file.status === "removed") {
      const types: string[] = [];
      for (const n of before.defined) if (!(await definedElsewhere(ctx, n, file.path))) types.push(n);
      if (types.length > 0)
        out.push({ side: "base", file: basePath, line: 1, operation: basePath, what: `GraphQL schema file removed (${types.length} types)` });
      continue;
    }
    const headText = await ctx.text("head", file.path);
    if (headText === undefined) continue;
    let after: Parsed;
    let afterSchema: GraphQLSchema | undefined;
    try {
      // The base's parse is reused for what the patch left alone (a 900 KB schema is ~100 ms to parse).
      const reused = parseHead(g, before, headText, patchText(file));
      after = reused ? analyze(g, headText, reused.doc, reused.lineShift) : parseSdl(g, headText);
      if (!after.plain || !before.plain) afterSchema = buildFull(g, after);
    } catch (error) {
      const line = (error as GraphQLError).locations?.[0]?.line ?? 1;
      ctx.problem({ file: file.path, line, message: `cannot parse GraphQL schema ${file.path}:${line}: ${(error as Error).message.split("\n")[0]}` });
      continue;
    }
    let changes: BreakingChange[];
    if (afterSchema) changes = g.findBreakingChanges(beforeSchema ?? buildFull(g, before), afterSchema);
    else {
      // Both plain: only the types that changed are built (on a 900 KB schema most of the time went there).
      const [base, head] = changedParts(g, before, after);
      changes = g.findBreakingChanges(g.buildASTSchema(base, { assumeValidSDL: true }), g.buildASTSchema(head, { assumeValidSDL: true }));
    }
    for (const change of changes) {
      // graphql-js drops built-in scalars nobody references any more; clients cannot notice.
      if (change.type === "TYPE_REMOVED" && /^Standard scalar /.test(change.description)) continue;
      const subject = subjectOf(change.description);
      // A type that moved to another file of a split schema is still there for clients.
      if (subject && !after.defined.has(subject.type) && (await definedElsewhere(ctx, subject.type, file.path))) continue;
      // Still referenced but no longer defined anywhere: the stub makes graphql-js call it a kind change.
      const gone =
        subject !== undefined && !after.defined.has(subject.type) && before.defined.has(subject.type) && change.type === "TYPE_CHANGED_KIND";
      const headLine = subject ? lineOf(after, subject.type, subject.field, subject.arg) : undefined;
      const removed = REMOVALS.has(change.type) || gone;
      let side: "base" | "head" = "head";
      let line = removed ? undefined : headLine;
      if (line === undefined && subject) {
        const baseLine = lineOf(before, subject.type, subject.field, subject.arg);
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
