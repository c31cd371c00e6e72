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
import type { ContractBreak } from "../contracts/contract-break.js";
import { isNotOwnContract } from "../openapi/spec.js";
import { sdlPieces } from "./pieces.js";

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
  /** Where each top-level definition parsed without locations came from (see `parseLean`), to locate it. */
  placeOf?: Map<DefinitionNode, Place>;
}

/** A piece of an SDL file (see `sdlPieces`) and its definitions, parsed without locations; shared by both versions of a file. */
interface Piece {
  text: string;
  definitions: readonly DefinitionNode[];
  /** The same definitions with locations, parsed when a line is first asked for. */
  located?: readonly DefinitionNode[];
}

/** A definition's piece, its index there and the file line the piece starts on. */
interface Place {
  piece: Piece;
  index: number;
  line: number;
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
  return analyze(g, g.parse(text));
}

/** What the comparison needs to know of a parsed SDL file. */
function analyze(g: GraphQL, doc: DocumentNode, placeOf?: Map<DefinitionNode, Place>): Parsed {
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
  const parsed: Parsed = { doc, defined, stubs, byName, other, plain: false, stubNodes: new Set(stubNodes), placeOf };
  parsed.plain = !risky && isPlain(g, parsed, used, defaults);
  return parsed;
}

/**
 * One version of a file parsed piece by piece (see `sdlPieces`) without locations: a piece whose text
 * `reuse` holds (the other version's pieces) is not parsed again. A 1 MB schema parses in about two thirds
 * of the time and keeps a third of the memory, since no token stays reachable; the few definitions a
 * finding needs a line of are parsed again with locations (`locate`). Undefined when the file cannot be
 * cut or a piece does not parse: the caller parses the whole file, which reports any syntax error as before.
 */
function parseLean(g: GraphQL, text: string, reuse?: ReadonlyMap<string, Piece>): { parsed: Parsed; pieces: Map<string, Piece> } | undefined {
  const spans = sdlPieces(text);
  if (!spans || spans.length === 0) return undefined;
  const pieces = new Map<string, Piece>();
  const definitions: DefinitionNode[] = [];
  const placeOf = new Map<DefinitionNode, Place>();
  for (const span of spans) {
    const body = text.slice(span.start, span.end);
    // A piece is used once per version: the same text twice in one file gets nodes of its own each time.
    const repeated = pieces.has(body);
    let piece = repeated ? undefined : reuse?.get(body);
    if (!piece) {
      try {
        piece = { text: body, definitions: g.parse(body, { noLocation: true }).definitions };
      } catch {
        return undefined;
      }
    }
    if (!repeated) pieces.set(body, piece);
    piece.definitions.forEach((definition, index) => {
      definitions.push(definition);
      placeOf.set(definition, { piece, index, line: span.line });
    });
  }
  return { parsed: analyze(g, { kind: g.Kind.DOCUMENT, definitions }, placeOf), pieces };
}

/**
 * A top-level definition with its locations, and the lines to add to them: itself when it has them (a whole
 * parse), else the same definition parsed again from its piece. Undefined for a stub.
 */
function locate(g: GraphQL, parsed: Parsed, definition: DefinitionNode): { node: DefinitionNode; shift: number } | undefined {
  if (definition.loc) return { node: definition, shift: 0 };
  const place = parsed.placeOf?.get(definition);
  if (!place) return undefined;
  place.piece.located ??= g.parse(place.piece.text).definitions;
  return { node: place.piece.located[place.index]!, shift: place.line - 1 };
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
 * True when two nodes are the same syntax, locations apart: what equal source texts parse to. Nodes of one
 * parser have their keys in one order, so a node's keys are compared in order.
 */
function sameSyntax(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameSyntax(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a).filter((k) => k !== "loc");
  const kb = Object.keys(b).filter((k) => k !== "loc");
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameSyntax((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * Two plain files cut down to what can differ. A type whose definitions changed (their syntax: what
 * they parse to, locations apart) keeps only the fields, input fields or enum values whose syntax
 * changed, were added or were removed: graphql-js compares the others by name, type name and arguments,
 * which are equal, so they can yield no breaking change. Every type an argument or input field of what
 * is kept refers to is kept whole, and so on through input objects: graphql-js coerces default values
 * with those types. Every other type referred to is the same on both sides and compared by name only,
 * so it becomes a scalar stub on both sides. graphql-js finds the same breaking changes in these
 * documents as in the whole files, in another order (a built-in scalar that is no longer referenced may
 * differ too, and is ignored).
 */
function changedParts(g: GraphQL, before: Parsed, after: Parsed): [DocumentNode, DocumentNode] {
  const sides = [before, after] as const;
  const sameDefinitions = (name: string) => {
    const b = before.byName.get(name) ?? [];
    const h = after.byName.get(name) ?? [];
    return (
      b.length === h.length &&
      b.every((node, i) => {
        const stub = before.stubNodes.has(node);
        return stub === after.stubNodes.has(h[i]!) && (stub || sameSyntax(node, h[i]));
      })
    );
  };
  const changed = new Set<string>();
  for (const name of new Set([...before.byName.keys(), ...after.byName.keys()])) {
    if (!sameDefinitions(name)) changed.add(name);
  }

  // The members (fields, input fields, enum values) of a changed type that differ, by name.
  type Member = { name: { value: string } } & ASTNode;
  const membersOf = (node: DefinitionNode): readonly Member[] =>
    "fields" in node && node.fields ? node.fields : "values" in node && node.values ? node.values : [];
  const membersByName = (parsed: Parsed, name: string) => {
    const out = new Map<string, Member[]>();
    for (const node of parsed.byName.get(name) ?? []) {
      for (const member of membersOf(node)) {
        const list = out.get(member.name.value);
        if (list) list.push(member);
        else out.set(member.name.value, [member]);
      }
    }
    return out;
  };
  const trimmed = new Map<string, [DefinitionNode[], DefinitionNode[]]>();
  for (const name of changed) {
    const [b, h] = sides.map((side) => membersByName(side, name));
    const differ = new Set([...b!.keys(), ...h!.keys()].filter((m) => !sameSyntax(b!.get(m), h!.get(m))));
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
 * arguments can match, so only those are looked at; a definition parsed without locations is located
 * when it is one of them.
 */
function lineOf(g: GraphQL, parsed: Parsed, typeName: string, fieldName?: string, argName?: string): number | undefined {
  // A definition that cannot be located is passed over, and what it holds unseen (as `visit` did with a node without one).
  for (const candidate of candidatesOf(parsed.doc).get(typeName) ?? []) {
    if (candidate.blockedBy.includes(typeName)) continue;
    const located = locate(g, parsed, candidate.definition);
    if (!located) continue;
    const line = lineAt(childAt(located.node, candidate.path), fieldName, argName);
    if (line !== undefined) return line + located.shift;
  }
  return undefined;
}

/** A node `lineOf` may stop at, in the order it looks: `blockedBy` are the names of the candidates above it. */
interface LineCandidate {
  definition: DefinitionNode;
  /** Where in `definition`: [] for itself, [i] for its i-th member or argument (see `childrenOf`), [i, j] for that one's j-th argument. */
  path: readonly number[];
  blockedBy: readonly string[];
}

/** A definition's fields, values and arguments, in that order. */
const childrenOf = (definition: ASTNode): readonly ASTNode[] => [
  ...("fields" in definition && definition.fields ? definition.fields : []),
  ...("values" in definition && definition.values ? definition.values : []),
  ...("arguments" in definition && definition.arguments ? definition.arguments : []),
];

function childAt(definition: DefinitionNode, path: readonly number[]): ASTNode {
  if (path.length === 0) return definition;
  const child = childrenOf(definition)[path[0]!]!;
  return path.length === 1 ? child : (child as FieldDefinitionNode).arguments![path[1]!]!;
}

/**
 * Every node of a document that `lineOf` could stop at, by name, in the order it looks at them; built once
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
  const add = (node: ASTNode, definition: DefinitionNode, path: readonly number[], blockedBy: readonly string[]): readonly string[] => {
    if (!isCandidate(node)) return blockedBy;
    const name = node.name.value;
    let list = index!.get(name);
    if (!list) index!.set(name, (list = []));
    list.push({ definition, path, blockedBy });
    return [...blockedBy, name];
  };
  for (const definition of doc.definitions) {
    const outer = add(definition, definition, [], []);
    childrenOf(definition).forEach((child, i) => {
      const inner = add(child, definition, [i], outer);
      const args = "arguments" in child && child.arguments ? (child.arguments as readonly ASTNode[]) : [];
      args.forEach((arg, j) => add(arg, definition, [i, j], inner));
    });
  }
  candidateIndex.set(doc, index);
  return index;
}

/** The line of `node`, or of its member `fieldName` (and that one's argument `argName`) when it has one. */
function lineAt(node: ASTNode, fieldName?: string, argName?: string): number | undefined {
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
    let basePieces: Map<string, Piece> | undefined;
    // A file that might make graphql-js throw is parsed and built whole, as it always was, so its errors read the same.
    let beforeSchema: GraphQLSchema | undefined;
    try {
      const lean = parseLean(g, baseText);
      before = lean?.parsed.plain ? lean.parsed : parseSdl(g, baseText);
      basePieces = lean?.pieces;
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
      // The base's pieces are reused for the head's pieces of the same text (a 1 MB schema is ~90 ms to parse).
      const lean = before.plain ? parseLean(g, headText, basePieces)?.parsed : undefined;
      after = lean?.plain ? lean : parseSdl(g, headText);
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
      const headLine = subject ? lineOf(g, after, subject.type, subject.field, subject.arg) : undefined;
      const removed = REMOVALS.has(change.type) || gone;
      let side: "base" | "head" = "head";
      let line = removed ? undefined : headLine;
      if (line === undefined && subject) {
        const baseLine = lineOf(g, before, subject.type, subject.field, subject.arg);
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
