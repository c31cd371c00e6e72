/**
 * The JSON Schema differ: every schema comparison (OpenAPI parameters, bodies and headers; AsyncAPI payloads;
 * event JSON Schema files) walks two schemas here, so each keyword's meaning is written once.
 *
 * A comparison has a *writer* (the side that produces values) and a *reader* (the side that must accept them),
 * and asks whether the reader still accepts what the writer may produce:
 * - an API request: the client writes with the base schema, the server reads with the head schema;
 * - an API response: the server writes with the head schema, the client reads with the base schema;
 * - an event schema: backward compatibility = old events (base) read with the new schema (head), forward the reverse.
 *
 * What differs legitimately between the callers is a parameter:
 * - `model`: `semantic` (Confluent Schema Registry's reading: an absent keyword accepts anything, boolean schemas,
 *   `allOf`/`anyOf`/`oneOf` compared by what their branches accept, content models with `patternProperties`)
 *   or `structural` (oasdiff's reading: keywords present on both sides are compared, branches paired by name,
 *   `not`/`if`/`contains`/... compared as a whole);
 * - the severity of each change, chosen by the caller's `emit` (oasdiff levels for APIs; every change breaks
 *   for events); `emit` also words the finding;
 * - `typing`: how strongly a location types its values (JSON bodies vs text parameters vs non-JSON bodies);
 * - `headOnly`: the OpenAPI 3.0 `readOnly`/`writeOnly` flags (a request ignores server-set properties);
 * - `nullable`/`x-nullable` (OpenAPI 3.0 / Swagger 2) and 3.1 type arrays read the same (see declaredTypes).
 */
import { isRecord } from "../../engine/structured.js";
import { type Location, type SpecNode, SpecDocument } from "../refs/spec-document.js";
import { declaredTypes } from "./types.js";

export type SchemaSide = "base" | "head";
export type Compatibility = "backward" | "forward" | "full";

/** What the differ needs from a loaded schema document (structurally satisfied by SpecDocument). */
export interface SchemaTree {
  deref(node: SpecNode): SpecNode;
  child(node: SpecNode | undefined, key: string | number): SpecNode | undefined;
  lineOf(loc: Location): number;
  /** The value with its `$ref`s inlined, for keywords the structural model compares as a whole. */
  inline?(node: SpecNode, budget?: { nodes: number }): unknown;
}

export interface SchemaRoot {
  tree: SchemaTree;
  node: SpecNode;
}

/** A `$ref` the differ could not follow (missing target, outside the tree): that part is not compared. */
export interface UnresolvedRef {
  side: SchemaSide;
  file: string;
  line: number;
  ref: string;
}

/** Most schema pairs one diff may compare: `oneOf` inside `oneOf` is quadratic per level. */
export const MAX_COMPARISONS = 200_000;

/** Thrown when a pair of schemas needs more than MAX_COMPARISONS comparisons: the caller cannot judge it. */
export class SchemaTooComplexError extends Error {
  constructor() {
    super(`schema too complex to compare (more than ${MAX_COMPARISONS} sub-schema comparisons)`);
  }
}

/**
 * How strongly a location types its values. `json`: a number is not a string. `text` (a query, header,
 * path or cookie parameter): every value travels as text, so a string also covers integers, numbers and
 * booleans. `loose` (a body that is not JSON: XML, a form, plain text): a string covers any value, as in
 * oasdiff, which treats only `application/json` and `+json` media types as strongly typed.
 */
export type Typing = "json" | "text" | "loose";

/**
 * One way the reader no longer accepts what the writer may produce. `change` is Confluent's name for it
 * (TYPE_NARROWED, MAX_LENGTH_ADDED, REQUIRED_ATTRIBUTE_ADDED, ...) or, for what only the structural model
 * sees, a name in the same style (FORMAT_CHANGED, KEYWORD_CHANGED, BRANCH_ADDED, ...).
 */
export interface SchemaChange {
  change: string;
  /** The keyword the change is about (`type`, `maxLength`, `required`, a property name for property changes). */
  keyword: string;
  /** JSON path of the change inside the schema, e.g. `#/properties/amount` for a removed property. */
  path: string;
  /** JSON path of the schema compared (the object holding the property, the schema holding `not`). */
  schemaPath: string;
  /** The same place as a property path, e.g. `amount[]` (empty at the schema's root). */
  label: string;
  /** The two schemas compared (dereferenced). */
  writerSchema?: SpecNode;
  readerSchema?: SpecNode;
  /** Where the change is visible on each side. */
  at: { writer?: SpecNode; reader?: SpecNode };
  /** The writer's and the reader's value of the keyword. */
  writerValue?: unknown;
  readerValue?: unknown;
  /** Values (JSON texts) or types the change names: the enum values lost, the types the reader dropped. */
  values?: string[];
}

export interface SchemaComparison<T> {
  model: "semantic" | "structural";
  writer: SchemaRoot;
  reader: SchemaRoot;
  writerSide: SchemaSide;
  /** Words and levels a change; undefined when the caller does not count it as a break. */
  emit(change: SchemaChange, c: SchemaComparison<T>): T | undefined;
  out: T[];
  /** Schema pairs already compared (a recursive schema is assumed compatible on re-entry). */
  seen: Set<string>;
  budget?: { left: number };
  unresolved?: UnresolvedRef[];
  typing?(label: string): Typing;
  /** A flag on the head schema that takes it out of the comparison: `readOnly` in requests, `writeOnly` in responses. */
  headOnly?: "readOnly" | "writeOnly";
  /** Results of earlier comparisons of the same pair (the structural model's cross-operation cache). */
  cache?: { scope: string; replay(key: string, out: T[]): boolean; store(key: string, produced: T[]): void };
}

type Schema = Record<string, unknown> | boolean;

const TYPES = ["null", "boolean", "object", "array", "number", "integer", "string"] as const;

/** Compares `writerNode` with `readerNode` (labelled `path` / `label`), pushing what breaks into `c.out`. */
export function compareSchemas<T>(
  c: SchemaComparison<T>,
  writerNode: SpecNode | undefined,
  readerNode: SpecNode | undefined,
  path = "#",
  label = "",
): void {
  walk(c, writerNode, readerNode, path, label);
}

/** Where a change is found: the schemas compared and their paths. */
type Where = Pick<Pair, "wn" | "rn" | "path" | "label">;

/** What a change names besides its place (a change's own path when it is not the schema's). */
interface Extra {
  path?: string;
  label?: string;
  writerValue?: unknown;
  readerValue?: unknown;
  values?: string[];
}
const NONE: Extra = {};

function report<T>(c: SchemaComparison<T>, where: Where, change: string, keyword: string, at: SchemaChange["at"], extra: Extra = NONE): void {
  // One object shape for every change (built field by field: spreading here made the walk several times slower).
  const item = c.emit(
    {
      change,
      keyword,
      path: extra.path ?? where.path,
      schemaPath: where.path,
      label: extra.label ?? where.label,
      writerSchema: where.wn,
      readerSchema: where.rn,
      at,
      writerValue: extra.writerValue,
      readerValue: extra.readerValue,
      values: extra.values,
    },
    c,
  );
  if (item !== undefined) c.out.push(item);
}

function schemaOf(node: SpecNode | undefined): Schema | undefined {
  if (!node) return undefined;
  const v = node.value;
  if (typeof v === "boolean") return v;
  return isRecord(v) ? v : undefined;
}

/** Keywords that constrain values; anything else (annotations, `format`, unknown keys) accepts every value. */
const ASSERTIONS = new Set([
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "patternProperties",
  "propertyNames",
  "minProperties",
  "maxProperties",
  "dependencies",
  "dependentRequired",
  "dependentSchemas",
  "items",
  "prefixItems",
  "additionalItems",
  "contains",
  "minContains",
  "maxContains",
  "minItems",
  "maxItems",
  "uniqueItems",
  "unevaluatedItems",
  "unevaluatedProperties",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "if",
  "then",
  "else",
  "$ref",
  "$dynamicRef",
]);

/** True for `true`, `{}` and schemas with no assertion keywords: they accept any value. */
function acceptsAnything(s: Schema | undefined): boolean {
  if (s === undefined || s === true) return true;
  if (s === false) return false;
  return !Object.keys(s).some((k) => ASSERTIONS.has(k));
}

/** Where a node's `$ref` string is written (its own line, not the line of the key holding the object). */
function refLoc(node: SpecNode): Location {
  return { file: node.loc.file, pointer: [...node.loc.pointer, "$ref"] };
}

function isDanglingRef(node: SpecNode | undefined, resolved: SpecNode | undefined): boolean {
  return node !== undefined && isRecord(node.value) && typeof node.value.$ref === "string" && resolved?.value === undefined;
}

const other = (side: SchemaSide): SchemaSide => (side === "base" ? "head" : "base");

// ---------------------------------------------------------------------------------------------------
// The walk

function walk<T>(c: SchemaComparison<T>, writerNode: SpecNode | undefined, readerNode: SpecNode | undefined, path: string, label: string): void {
  if (c.budget && --c.budget.left < 0) throw new SchemaTooComplexError();
  const structural = c.model === "structural";
  if (structural && (!writerNode || !readerNode)) return;
  const wn = writerNode ? c.writer.tree.deref(writerNode) : undefined;
  const rn = readerNode ? c.reader.tree.deref(readerNode) : undefined;
  // A reference that leads nowhere says nothing about either version: skip it rather than read it as "anything".
  const writerLost = isDanglingRef(writerNode, wn);
  const readerLost = isDanglingRef(readerNode, rn);
  if (writerLost || readerLost) {
    if (writerLost) noteUnresolved(c, c.writerSide, c.writer, writerNode!);
    if (readerLost) noteUnresolved(c, other(c.writerSide), c.reader, readerNode!);
    return;
  }
  let writer: Record<string, unknown>;
  let reader: Record<string, unknown>;
  if (structural) {
    // Only schemas present on both sides are compared (boolean schemas are left alone).
    if (!isRecord(wn?.value) || !isRecord(rn?.value)) return;
    writer = wn.value;
    reader = rn.value;
  } else {
    const ws = schemaOf(wn);
    const rs = schemaOf(rn);
    if (acceptsAnything(rs) || ws === false) return;
    if (rs === false) {
      report(c, { wn, rn, path, label }, "SCHEMA_NARROWED", "false", { writer: wn, reader: rn });
      return;
    }
    if (rs === undefined) return;
    // An absent writer schema (no `items`, no `additionalProperties`…) allowed anything.
    writer = ws === true || ws === undefined ? {} : ws;
    reader = rs as Record<string, unknown>;
  }
  const key = `${c.writerSide}|${wn?.loc.file}#${wn?.loc.pointer.join("/")}|${rn?.loc.file}#${rn?.loc.pointer.join("/")}`;
  if (c.seen.has(key)) return; // recursive schema: assume compatible on re-entry
  c.seen.add(key);
  if (c.cache) {
    const cacheKey = `${key}|${c.cache.scope}|${label}`;
    if (c.cache.replay(cacheKey, c.out)) return;
    const start = c.out.length;
    compareOnce(c, { writer, reader, wn, rn, path, label });
    c.cache.store(cacheKey, c.out.slice(start));
    return;
  }
  compareOnce(c, { writer, reader, wn, rn, path, label });
}

function noteUnresolved<T>(c: SchemaComparison<T>, side: SchemaSide, root: SchemaRoot, node: SpecNode): void {
  c.unresolved?.push({ side, file: node.loc.file, line: root.tree.lineOf(refLoc(node)), ref: String((node.value as Record<string, unknown>).$ref) });
}

/** Two schemas being compared, as values and as nodes, and where they are. */
interface Pair {
  writer: Record<string, unknown>;
  reader: Record<string, unknown>;
  wn: SpecNode | undefined;
  rn: SpecNode | undefined;
  path: string;
  label: string;
}

function compareOnce<T>(c: SchemaComparison<T>, pair: Pair): void {
  const { writer, reader, wn, rn, label } = pair;
  const structural = c.model === "structural";
  if (c.headOnly && (c.writerSide === "head" ? writer : reader)[c.headOnly] === true) return;
  const wChild = (k: string | number) => c.writer.tree.child(wn, k);
  const rChild = (k: string | number) => c.reader.tree.child(rn, k);
  const at = (k: string) => ({ writer: wChild(k), reader: rChild(k) ?? rn });

  if (!structural) {
    // A writer `allOf` is at least as strict as each member: one member the reader accepts is enough.
    if (Array.isArray(writer.allOf) && !Array.isArray(reader.allOf)) {
      const wAll = wChild("allOf");
      if (writer.allOf.some((_, i) => accepted(c, c.writer.tree.child(wAll, i), rn))) return;
    }
    // Combinations first: they decide which branches must line up.
    if (combined(c, pair)) return;
    notKeyword(c, pair);
  }

  // type: every type the writer may produce must be one the reader accepts (an integer is also a number).
  const rTypes = declaredTypes(reader);
  const wTypes = structural ? declaredTypes(writer) : effectiveTypes(writer);
  if (rTypes && wTypes) {
    const lost = lostTypes(wTypes, rTypes, c.typing?.(label) ?? "json");
    if (lost.length > 0) {
      const change = [...rTypes].some((t) => wTypes.has(t)) ? "TYPE_NARROWED" : "TYPE_CHANGED";
      const where = { writer: wChild("type") ?? wn, reader: rChild("type") ?? rn };
      report(c, pair, change, "type", where, { writerValue: [...wTypes], readerValue: [...rTypes], values: lost });
      // Losing only null leaves the rest to compare in the structural model (the types still agree).
      if (!structural || lost.length > 1 || lost[0] !== "null") return;
    }
  }

  // enum / const: every value the writer may produce must be listed by the reader.
  for (const [keyword, allowed] of readerValueSets(c, reader)) {
    const written = writerValues(c, writer);
    if (!written) {
      report(c, pair, keyword === "const" ? "CONST_CHANGED" : "ENUM_ARRAY_CHANGED", keyword, at(keyword), { readerValue: allowed });
    } else {
      const texts = allowed.map((v) => JSON.stringify(v));
      const missing = written.filter((v) => !texts.includes(JSON.stringify(v))).map((v) => JSON.stringify(v));
      if (missing.length > 0)
        report(c, pair, keyword === "const" ? "CONST_CHANGED" : "ENUM_ARRAY_NARROWED", keyword, at(keyword), { values: missing });
    }
  }

  // bounds: one the reader adds or tightens rejects values the writer allowed.
  for (const [keyword, kind, name] of structural ? STRUCTURAL_BOUNDS : BOUNDS) {
    const r = numeric(reader[keyword]);
    if (r === undefined) continue;
    const wv = numeric(writer[keyword]);
    if (wv === undefined) report(c, pair, `${name}_ADDED`, keyword, at(keyword), { readerValue: r });
    else if (kind === "max" ? r < wv : r > wv) {
      report(c, pair, `${name}_${kind === "max" ? "DECREASED" : "INCREASED"}`, keyword, at(keyword), { writerValue: wv, readerValue: r });
    }
  }

  if (structural) {
    // OpenAPI 3.0 / Swagger 2.0 spell exclusive bounds as booleans next to minimum/maximum.
    for (const keyword of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
      if (reader[keyword] === true && writer[keyword] !== true)
        report(c, pair, `${keyword === "exclusiveMinimum" ? "EXCLUSIVE_MINIMUM" : "EXCLUSIVE_MAXIMUM"}_SET`, keyword, at(keyword));
    }
    wholeKeywords(c, pair);
    // Zalando's x-extensible-enum: the writer may send only the listed values.
    const wx = Array.isArray(writer["x-extensible-enum"]) ? writer["x-extensible-enum"].map((v) => JSON.stringify(v)) : undefined;
    const rx = Array.isArray(reader["x-extensible-enum"]) ? reader["x-extensible-enum"].map((v) => JSON.stringify(v)) : undefined;
    const missing = wx && rx ? wx.filter((v) => !rx.includes(v)) : [];
    if (missing.length > 0) report(c, pair, "EXTENSIBLE_ENUM_NARROWED", "x-extensible-enum", at("x-extensible-enum"), { values: missing });
  } else if (typeof reader.multipleOf === "number") {
    const wm = writer.multipleOf;
    if (typeof wm !== "number" || !isMultiple(wm, reader.multipleOf)) {
      const change = typeof wm === "number" ? "MULTIPLE_OF_CHANGED" : "MULTIPLE_OF_ADDED";
      report(c, pair, change, "multipleOf", at("multipleOf"), { writerValue: wm, readerValue: reader.multipleOf });
    }
  }

  // pattern (the structural model reads an empty pattern, which matches every string, as none).
  const patternOf = (s: Record<string, unknown>) => (typeof s.pattern === "string" && !(structural && s.pattern === "") ? s.pattern : undefined);
  const rp = patternOf(reader);
  const wp = structural ? patternOf(writer) : writer.pattern;
  if (rp !== undefined && rp !== wp) {
    report(c, pair, wp === undefined ? "PATTERN_ADDED" : "PATTERN_CHANGED", "pattern", at("pattern"), { writerValue: wp, readerValue: rp });
  }

  if (structural) {
    // format: an annotation to JSON Schema, but API tooling validates and generates code from it.
    const wf = typeof writer.format === "string" ? writer.format : undefined;
    const rf = typeof reader.format === "string" ? reader.format : undefined;
    if (wf !== undefined && rf !== undefined && wf !== rf && WIDER_FORMAT[wf] !== rf) {
      report(c, pair, "FORMAT_CHANGED", "format", at("format"), { writerValue: wf, readerValue: rf });
    } else if (wf === undefined && rf !== undefined && rTypes && !rTypes.has("number") && !rTypes.has("integer")) {
      report(c, pair, "FORMAT_ADDED", "format", at("format"), { readerValue: rf });
    }
    structuralObject(c, pair);
    const wItems = wChild("items");
    const rItems = rChild("items");
    if (wItems && rItems && !Array.isArray(wItems.value) && !Array.isArray(rItems.value)) walk(c, wItems, rItems, `${pair.path}/items`, `${label}[]`);
    structuralBranches(c, pair);
    return;
  }

  if (reader.uniqueItems === true && writer.uniqueItems !== true) report(c, pair, "UNIQUE_ITEMS_ADDED", "uniqueItems", at("uniqueItems"));
  semanticObject(c, pair);
  arrayKeywords(c, pair);
}

// ---------------------------------------------------------------------------------------------------
// Keyword semantics

/** Types of the writer that the reader no longer covers (an integer is also a number; see Typing). */
function lostTypes(writer: Set<string>, reader: Set<string>, typing: Typing = "json"): string[] {
  const scalar = new Set(["integer", "number", "boolean"]);
  return [...writer].filter(
    (t) =>
      !reader.has(t) &&
      !(t === "integer" && reader.has("number")) &&
      !(typing === "text" && scalar.has(t) && reader.has("string")) &&
      !(typing === "loose" && t !== "null" && reader.has("string")),
  );
}

/** Types a schema can produce: from `type`, else inferred from type-specific keywords, else all. */
function effectiveTypes(s: Record<string, unknown>): Set<string> {
  const declared = declaredTypes(s);
  if (declared) return declared;
  if (Array.isArray(s.enum)) return new Set(s.enum.map(jsonType));
  if ("const" in s) return new Set([jsonType(s.const)]);
  // No `type`: take the types its keywords describe. JSON Schema would accept any other type too, but a schema
  // with `properties` describes objects in practice, and adding `type: object` to it is a clean-up, not a break.
  const inferred = new Set<string>();
  for (const [types, keywords] of KEYWORD_TYPES) if (keywords.some((k) => k in s)) types.forEach((t) => inferred.add(t));
  return inferred.size > 0 ? inferred : new Set(TYPES);
}

const KEYWORD_TYPES: [string[], string[]][] = [
  [
    ["object"],
    [
      "properties",
      "required",
      "additionalProperties",
      "patternProperties",
      "minProperties",
      "maxProperties",
      "propertyNames",
      "dependentRequired",
      "dependentSchemas",
    ],
  ],
  [["array"], ["items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"]],
  [["string"], ["minLength", "maxLength", "pattern"]],
  [
    ["number", "integer"],
    ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
  ],
];

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/**
 * The value lists a reader allows. Semantic: `enum` and `const` each restrict. Structural: one list, `enum`
 * else `const`, without `null` (a null in an OpenAPI enum spells nullability, which `type` compares).
 */
function readerValueSets<T>(c: SchemaComparison<T>, reader: Record<string, unknown>): [string, unknown[]][] {
  if (c.model === "structural") {
    if (Array.isArray(reader.enum)) return [["enum", reader.enum.filter((v) => v !== null)]];
    return reader.const !== undefined ? [["const", [reader.const]]] : [];
  }
  const sets: [string, unknown[]][] = [];
  if (Array.isArray(reader.enum)) sets.push(["enum", reader.enum]);
  if ("const" in reader) sets.push(["const", [reader.const]]);
  return sets;
}

/** The values a writer may produce when it lists them (`enum`, else `const`); undefined when it does not. */
function writerValues<T>(c: SchemaComparison<T>, writer: Record<string, unknown>): unknown[] | undefined {
  if (Array.isArray(writer.enum)) return c.model === "structural" ? writer.enum.filter((v) => v !== null) : writer.enum;
  if (c.model === "structural") return writer.const !== undefined ? [writer.const] : undefined;
  return "const" in writer ? [writer.const] : undefined;
}

/**
 * Numeric bounds: `max` ones must not fall, `min` ones must not rise. The change is named as Confluent does
 * (`maxLength` gives MAX_LENGTH_ADDED / MAX_LENGTH_DECREASED).
 */
const BOUNDS: [string, "max" | "min", string][] = [
  ...["maxLength", "minLength", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"],
  ...["maxItems", "minItems", "maxProperties", "minProperties", "maxContains", "minContains"],
].map((k) => [k, /max/i.test(k) ? "max" : "min", k.replace(/[A-Z]/g, "_$&").toUpperCase()]);
/** The same, upper bounds first (the order oasdiff-style reports list them in). */
const STRUCTURAL_BOUNDS = [...BOUNDS.filter(([, k]) => k === "max"), ...BOUNDS.filter(([, k]) => k === "min")];

function numeric(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function isMultiple(writerStep: number, readerStep: number): boolean {
  const ratio = writerStep / readerStep;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

/** A format the reader may widen to (a writer's int32 fits an int64 reader). */
const WIDER_FORMAT: Record<string, string> = { int32: "int64", float: "double" };

function requiredOf(s: Record<string, unknown>): Set<string> {
  return new Set(Array.isArray(s.required) ? s.required.filter((x): x is string => typeof x === "string") : []);
}

/** JSON with sorted keys, so key order does not count as a change. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

// ---------------------------------------------------------------------------------------------------
// Structural model: keywords compared as a whole, properties and branches paired by name

/**
 * Keywords the structural model compares as a whole, and which edits break. `reader`: the reader has the
 * keyword and the writer does not (a constraint added on the reading side); `writer`: the reverse; `both`:
 * present on both sides and different. Constraints (`contains`, `dependentRequired`, `if`/`then`/`else`,
 * `patternProperties`, `propertyNames`, `unevaluated*`, ...) narrow what is valid where they appear on the
 * reader; `prefixItems` is the reverse in oasdiff's levels; `not`, `contentMediaType` and `contentEncoding`
 * break on any edit. An edit is not modelled for whether it widened.
 */
type Presence = "reader" | "writer" | "both";
const CONSTRAINT: Presence[] = ["reader", "both"];
const ANY_CHANGE: Presence[] = ["reader", "writer", "both"];
const WHOLE_KEYWORDS: [string, Presence[]][] = [
  ["not", ANY_CHANGE],
  ["if", CONSTRAINT],
  ["then", CONSTRAINT],
  ["else", CONSTRAINT],
  ["contains", CONSTRAINT],
  ["prefixItems", ["writer", "both"]],
  ["propertyNames", CONSTRAINT],
  ["patternProperties", CONSTRAINT],
  ["dependentRequired", CONSTRAINT],
  ["dependentSchemas", CONSTRAINT],
  ["unevaluatedItems", CONSTRAINT],
  ["unevaluatedProperties", CONSTRAINT],
  ["contentSchema", CONSTRAINT],
  ["contentMediaType", ANY_CHANGE],
  ["contentEncoding", ANY_CHANGE],
];

function wholeKeywords<T>(c: SchemaComparison<T>, pair: Pair): void {
  const { wn, rn } = pair;
  for (const [keyword, breaks] of WHOLE_KEYWORDS) {
    const wk = c.writer.tree.child(wn, keyword);
    const rk = c.reader.tree.child(rn, keyword);
    if (!wk && !rk) continue;
    const presence: Presence = !wk ? "reader" : !rk ? "writer" : "both";
    if (!breaks.includes(presence)) continue;
    const before = wk ? canonical(c.writer.tree.inline!(wk, { nodes: 20_000 })) : undefined;
    const after = rk ? canonical(c.reader.tree.inline!(rk, { nodes: 20_000 })) : undefined;
    if (before === after) continue;
    report(c, pair, "KEYWORD_CHANGED", keyword, { writer: wk, reader: rk });
  }
}

function flagged(root: SchemaRoot, node: SpecNode | undefined, key: string): boolean {
  const v = node ? root.tree.deref(node).value : undefined;
  return isRecord(v) && v[key] === true;
}

/** The named entries of a map node (refs followed on the map itself). */
function entries(root: SchemaRoot, node: SpecNode | undefined): Map<string, SpecNode> {
  const out = new Map<string, SpecNode>();
  if (!node) return out;
  const resolved = root.tree.deref(node);
  if (!isRecord(resolved.value)) return out;
  for (const k of Object.keys(resolved.value)) {
    const child = root.tree.child(resolved, k);
    if (child) out.set(k, child);
  }
  return out;
}

/**
 * Properties in the structural model. Requests (writer = base) and responses (writer = head) read the same
 * way: a name the reader requires and the writer did not (REQUIRED_ATTRIBUTE_ADDED when the writer has the
 * property, REQUIRED_PROPERTY_ADDED when it is new), a reader property the writer no longer has
 * (PROPERTY_REMOVED: oasdiff rates it in responses only), a reader that closed its additional properties.
 */
function structuralObject<T>(c: SchemaComparison<T>, pair: Pair): void {
  const { writer, reader, wn, rn, path, label } = pair;
  const wProps = entries(c.writer, c.writer.tree.child(wn, "properties"));
  const rProps = entries(c.reader, c.reader.tree.child(rn, "properties"));
  const wReq = requiredOf(writer);
  const rReq = requiredOf(reader);
  const prefix = label ? `${label}.` : "";
  const readerIsHead = c.writerSide === "base";
  const prop = (name: string, values?: string[]): Extra => ({ path: `${path}/properties/${name}`, label: `${prefix}${name}`, values });
  if (readerIsHead) {
    for (const name of rReq) {
      if (wReq.has(name) || flagged(c.reader, rProps.get(name), "readOnly")) continue;
      const change = wProps.has(name) ? "REQUIRED_ATTRIBUTE_ADDED" : "REQUIRED_PROPERTY_ADDED";
      const at = { writer: wProps.get(name), reader: rProps.get(name) ?? c.reader.tree.child(rn, "required") ?? rn };
      // A required name with no schema on either side: not a property oasdiff checks.
      report(c, pair, change, name, at, prop(name, !rProps.has(name) && !wProps.has(name) && rProps.size > 0 ? ["undeclared"] : undefined));
    }
    if (reader.additionalProperties === false && writer.additionalProperties !== false) {
      const at = { writer: c.writer.tree.child(wn, "additionalProperties"), reader: c.reader.tree.child(rn, "additionalProperties") ?? rn };
      report(c, pair, "ADDITIONAL_PROPERTIES_NARROWED", "additionalProperties", at);
    }
    if (reader.additionalProperties === false) {
      for (const [name, node] of wProps) {
        if (!rProps.has(name) && !flagged(c.writer, node, "readOnly")) {
          report(c, pair, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", name, { writer: node }, prop(name));
        }
      }
    }
  } else {
    for (const [name, node] of rProps) {
      if (flagged(c.reader, node, "writeOnly")) continue;
      if (!wProps.has(name)) {
        // A writer that still allows additional properties may still send a required one.
        if (writer.additionalProperties === undefined || writer.additionalProperties === false || !rReq.has(name)) {
          report(c, pair, rReq.has(name) ? "REQUIRED_PROPERTY_ADDED" : "PROPERTY_REMOVED", name, { reader: node }, prop(name));
        }
      } else if (rReq.has(name) && !wReq.has(name)) {
        report(c, pair, "REQUIRED_ATTRIBUTE_ADDED", name, { writer: wProps.get(name)!, reader: node }, prop(name));
      }
    }
  }
  // Compare the properties on both sides, in the base's order.
  const [first, second] = readerIsHead ? [wProps, rProps] : [rProps, wProps];
  for (const [name, node] of first) {
    const counterpart = second.get(name);
    if (!counterpart) continue;
    if (readerIsHead) walk(c, node, counterpart, `${path}/properties/${name}`, `${prefix}${name}`);
    else walk(c, counterpart, node, `${path}/properties/${name}`, `${prefix}${name}`);
  }
  const wAdd = c.writer.tree.child(wn, "additionalProperties");
  const rAdd = c.reader.tree.child(rn, "additionalProperties");
  if (wAdd && rAdd && isRecord(wAdd.value) && isRecord(rAdd.value)) walk(c, wAdd, rAdd, `${path}/additionalProperties`, `${prefix}*`);
}

/** A schema's subschemas under `keyword`, named by their `$ref` target or title when they have one. */
function branches(root: SchemaRoot, node: SpecNode, keyword: string): { name: string; node: SpecNode }[] {
  const list = root.tree.child(node, keyword);
  const resolved = list ? root.tree.deref(list) : undefined;
  if (!resolved || !Array.isArray(resolved.value)) return [];
  const items = resolved.value.map((_, i) => root.tree.child(resolved, i)).filter((n): n is SpecNode => n !== undefined);
  return items.map((item) => {
    const ref = SpecDocument.refName(item.value);
    const target = root.tree.deref(item);
    const title = isRecord(target.value) && typeof target.value.title === "string" ? target.value.title : undefined;
    return { name: ref ?? title ?? `#${JSON.stringify(target.value)}`, node: item };
  });
}

/**
 * allOf / anyOf / oneOf in the structural model: branches are paired by name (or by position for unnamed
 * inline branches when the counts agree). `allOf` narrows when the reader gains a member (BRANCH_ADDED);
 * `anyOf`/`oneOf` narrow when the reader lacks a branch the writer has (BRANCH_REMOVED). Paired branches are compared.
 */
function structuralBranches<T>(c: SchemaComparison<T>, pair: Pair): void {
  const { wn, rn } = pair;
  const readerIsHead = c.writerSide === "base";
  const [baseRoot, headRoot] = readerIsHead ? [c.writer, c.reader] : [c.reader, c.writer];
  const [b, h] = (readerIsHead ? [wn, rn] : [rn, wn]) as [SpecNode, SpecNode];
  for (const keyword of ["allOf", "anyOf", "oneOf"] as const) {
    const bb = branches(baseRoot, b, keyword);
    const hb = branches(headRoot, h, keyword);
    if (bb.length === 0 && hb.length === 0) continue;
    const pairs = new Map<number, number>();
    bb.forEach((x, i) => {
      const byName = hb.findIndex((y) => y.name === x.name);
      if (byName >= 0) pairs.set(i, byName);
      else if (bb.length === hb.length && x.name.startsWith("#") && hb[i]!.name.startsWith("#")) pairs.set(i, i);
    });
    const pairedHead = new Set(pairs.values());
    const headOnly = hb.filter((_, j) => !pairedHead.has(j));
    const baseOnly = bb.filter((_, i) => !pairs.has(i));
    const [readerOnly, writerOnly] = readerIsHead ? [headOnly, baseOnly] : [baseOnly, headOnly];
    const name = (x: { name: string }) => (x.name.startsWith("#") ? undefined : x.name);
    const list = (root: SchemaRoot, n: SpecNode | undefined) => root.tree.child(n, keyword);
    if (keyword === "allOf") {
      // A writer without allOf: the reader's first member is the one to name.
      const gained = (readerIsHead ? bb : hb).length > 0 ? readerOnly : readerOnly.slice(0, 1);
      for (const x of gained) report(c, pair, "BRANCH_ADDED", keyword, { reader: x.node }, { readerValue: name(x) });
    } else if (bb.length > 0) {
      for (const x of writerOnly)
        report(c, pair, "BRANCH_REMOVED", keyword, { writer: x.node, reader: list(c.reader, rn) ?? rn }, { writerValue: name(x) });
    }
    for (const [i, j] of pairs) {
      if (readerIsHead) walk(c, bb[i]!.node, hb[j]!.node, pair.path, pair.label);
      else walk(c, hb[j]!.node, bb[i]!.node, pair.path, pair.label);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Semantic model: content models, combinations by what their branches accept

/** `additionalProperties` as a schema node: absent means open (`true`). */
function additionalKeyword(s: Record<string, unknown>): string {
  return s.additionalProperties === undefined && s.unevaluatedProperties !== undefined ? "unevaluatedProperties" : "additionalProperties";
}

function openness(s: Record<string, unknown>): "open" | "closed" | "partial" {
  const ap = s[additionalKeyword(s)];
  if (ap === undefined || ap === true || (isRecord(ap) && Object.keys(ap).length === 0)) {
    return isRecord(s.patternProperties) && Object.keys(s.patternProperties).length > 0 ? "partial" : "open";
  }
  if (ap === false) return isRecord(s.patternProperties) && Object.keys(s.patternProperties).length > 0 ? "partial" : "closed";
  return "partial";
}

function matchingPattern(schema: Record<string, unknown>, name: string): string | undefined {
  if (!isRecord(schema.patternProperties)) return undefined;
  for (const pattern of Object.keys(schema.patternProperties)) {
    try {
      if (new RegExp(pattern, "u").test(name)) return pattern;
    } catch {
      // an invalid pattern matches nothing
    }
  }
  return undefined;
}

/**
 * Properties in the semantic model (Confluent's content models): adding an *optional* property to an open
 * model is compatible (the writer could already send it), a required one is not; a property the writer had
 * must still be accepted by a closed or partially open reader.
 */
function semanticObject<T>(c: SchemaComparison<T>, pair: Pair): void {
  const { writer, reader, wn, rn, path } = pair;
  const wt = c.writer.tree;
  const rt = c.reader.tree;
  const wProps = isRecord(writer.properties) ? writer.properties : {};
  const rProps = isRecord(reader.properties) ? reader.properties : {};
  const rPropsNode = rt.child(rn, "properties");
  const wPropsNode = wt.child(wn, "properties");
  const wOpen = openness(writer);
  const rOpen = openness(reader);
  const wRequired = requiredOf(writer);
  const rRequired = requiredOf(reader);
  const change = (code: string, keyword: string, changePath: string, at: SchemaChange["at"], extra?: Extra) =>
    report(c, pair, code, keyword, at, { path: changePath, values: extra?.values, readerValue: extra?.readerValue });
  const hasDefault = (root: SchemaRoot, node: SpecNode | undefined) => {
    const s = schemaOf(node ? root.tree.deref(node) : undefined);
    return isRecord(s) && "default" in s;
  };

  for (const name of Object.keys(rProps)) {
    const rp = rt.child(rPropsNode, name);
    const propPath = `${path}/properties/${name}`;
    if (Object.hasOwn(wProps, name)) {
      walk(c, wt.child(wPropsNode, name), rp, propPath, "");
      continue;
    }
    // Property new to the reader.
    if (rRequired.has(name) && !hasDefault(c.reader, rp)) {
      const code = wOpen === "closed" ? "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL" : "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL";
      change(code, name, propPath, { reader: rp });
    } else if (wOpen === "open" || wOpen === "partial") {
      // The writer could already send `name` with any value (or one its additionalProperties allowed).
      const wAdditional = wOpen === "partial" ? wt.child(wn, additionalKeyword(writer)) : undefined;
      if (wAdditional && schemaOf(wt.deref(wAdditional)) === false) continue;
      if (wAdditional) walk(c, wAdditional, rp, propPath, "");
      // Optional property on an open model: compatible on purpose.
    }
  }
  for (const name of Object.keys(wProps)) {
    if (Object.hasOwn(rProps, name)) continue;
    const wp = wt.child(wPropsNode, name);
    const propPath = `${path}/properties/${name}`;
    if (schemaOf(wp ? wt.deref(wp) : undefined) === false) continue;
    if (rOpen === "closed") {
      change("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", name, propPath, { writer: wp });
    } else if (rOpen === "partial") {
      const pattern = matchingPattern(reader, name);
      const target = pattern !== undefined ? rt.child(rt.child(rn, "patternProperties"), pattern) : rt.child(rn, additionalKeyword(reader));
      if (target) walk(c, wp, target, propPath, "");
      else change("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", name, propPath, { writer: wp });
    }
  }
  // A property the reader now requires that the writer only had as optional.
  for (const name of rRequired) {
    if (!wRequired.has(name) && Object.hasOwn(wProps, name)) {
      const rp = rt.child(rPropsNode, name);
      if (hasDefault(c.reader, rp)) continue;
      change("REQUIRED_ATTRIBUTE_ADDED", name, `${path}/properties/${name}`, { reader: rt.child(rn, "required") ?? rp });
    }
  }
  // additionalProperties tightened.
  const rAdditional = rt.child(rn, additionalKeyword(reader));
  if (rAdditional && wOpen !== "closed") {
    const rSchema = schemaOf(rt.deref(rAdditional));
    const wAdditional = wt.child(wn, additionalKeyword(writer));
    if (rSchema === false && (wOpen === "open" || wOpen === "partial") && !(wAdditional && schemaOf(wt.deref(wAdditional)) === false)) {
      const code = wAdditional ? "ADDITIONAL_PROPERTIES_NARROWED" : "ADDITIONAL_PROPERTIES_REMOVED";
      change(code, "additionalProperties", `${path}/additionalProperties`, { writer: wAdditional, reader: rAdditional });
    } else if (rSchema !== false && !acceptsAnything(rSchema)) {
      walk(c, wAdditional, rAdditional, `${path}/additionalProperties`, "");
    }
  }
  // Dependencies the reader adds.
  for (const keyword of ["dependentRequired", "dependentSchemas", "dependencies"]) {
    const rd = reader[keyword];
    if (!isRecord(rd)) continue;
    const wd = isRecord(writer[keyword]) ? (writer[keyword] as Record<string, unknown>) : {};
    for (const [prop, deps] of Object.entries(rd)) {
      const depPath = `${path}/${keyword}/${prop}`;
      if (!Array.isArray(deps)) {
        // A dependent schema: applies when `prop` is present.
        const rDep = rt.child(rt.child(rn, keyword), prop);
        const wDep = wt.child(wt.child(wn, keyword), prop);
        if (!wDep) change("DEPENDENCY_SCHEMA_ADDED", keyword, depPath, { reader: rDep }, { values: [prop] });
        else walk(c, wDep, rDep, depPath, "");
        continue;
      }
      const before = Array.isArray(wd[prop]) ? (wd[prop] as unknown[]) : [];
      if (deps.some((d) => !before.includes(d))) {
        const code = before.length === 0 ? "DEPENDENCY_ARRAY_ADDED" : "DEPENDENCY_ARRAY_EXTENDED";
        change(code, keyword, depPath, { reader: rt.child(rt.child(rn, keyword), prop) }, { values: [prop], readerValue: deps });
      }
    }
  }
}

function arrayKeywords<T>(c: SchemaComparison<T>, { reader, wn, rn, path }: Pair): void {
  const wt = c.writer.tree;
  const rt = c.reader.tree;
  const rItems = rt.child(rn, "items");
  const wItems = wt.child(wn, "items");
  if (rItems && !Array.isArray(rItems.value)) {
    if (wItems && Array.isArray(wItems.value)) {
      wItems.value.forEach((_, i) => walk(c, wt.child(wItems, i), rItems, `${path}/items/${i}`, ""));
    } else {
      walk(c, wItems, rItems, `${path}/items`, "");
    }
  }
  // Tuple forms (draft-07 `items: [...]`, 2020-12 `prefixItems`).
  for (const keyword of ["prefixItems", "items"]) {
    const r = rt.child(rn, keyword);
    if (!r || !Array.isArray(r.value)) continue;
    const wTuple = wt.child(wn, keyword);
    const wList = wTuple && Array.isArray(wTuple.value) ? wTuple.value : [];
    const moreKey = keyword === "items" ? "additionalItems" : "items";
    const wMore = wt.child(wn, moreKey) ?? wt.child(wn, "unevaluatedItems");
    const rMore = rt.child(rn, moreKey) ?? rt.child(rn, "unevaluatedItems");
    r.value.forEach((_, i) => {
      const wi = i < wList.length ? wt.child(wTuple, i) : wMore;
      walk(c, wi, rt.child(r, i), `${path}/${keyword}/${i}`, "");
    });
    // Items the writer had beyond the reader's tuple now fall to the reader's additional items schema.
    for (let i = r.value.length; i < wList.length; i++) {
      if (rMore) walk(c, wt.child(wTuple, i), rMore, `${path}/${keyword}/${i}`, "");
    }
    if (rMore && wList.length <= r.value.length) walk(c, wMore, rMore, `${path}/${moreKey}`, "");
  }
  if (!Array.isArray(reader.items) && !Array.isArray(reader.prefixItems)) {
    for (const keyword of ["additionalItems", "unevaluatedItems"]) {
      const rMore = rt.child(rn, keyword);
      if (rMore) walk(c, wt.child(wn, keyword), rMore, `${path}/${keyword}`, "");
    }
  }
}

/** What a silent probe records for a change: only that there was one. */
const found = () => true;

/** A silent copy of the comparison: its own output and a copy of what was seen. */
function probe<T>(c: SchemaComparison<T>): SchemaComparison<T> {
  return { ...c, out: [], seen: new Set(c.seen) };
}

/**
 * anyOf / oneOf / allOf in the semantic model. Returns true when the combination decided the comparison (the
 * caller stops). Every branch the writer can take must be accepted by some reader branch; every `allOf`
 * member the reader adds must accept the writer.
 */
function combined<T>(c: SchemaComparison<T>, pair: Pair): boolean {
  const { writer, reader, wn, rn, path } = pair;
  const wt = c.writer.tree;
  const rt = c.reader.tree;
  const kindOf = (s: Record<string, unknown>) => (Array.isArray(s.oneOf) ? "oneOf" : Array.isArray(s.anyOf) ? "anyOf" : undefined);
  const rKind = kindOf(reader);
  const wKind = kindOf(writer);
  const change = (code: string, keyword: string, at: SchemaChange["at"], extra: Extra) => report(c, pair, code, keyword, at, extra);
  if (Array.isArray(reader.allOf)) {
    // Each member the reader requires must accept the writer: the whole writer, or one of its own members.
    const rAll = rt.child(rn, "allOf")!;
    const wAll = Array.isArray(writer.allOf) ? wt.child(wn, "allOf") : undefined;
    const wCount = Array.isArray(writer.allOf) ? writer.allOf.length : 0;
    reader.allOf.forEach((_, i) => {
      const ri = rt.child(rAll, i);
      if (accepted(c, wn, ri)) return;
      for (let j = 0; j < wCount; j++) if (accepted(c, wt.child(wAll, j), ri)) return;
      walk(c, wAll && i < wCount ? wt.child(wAll, i) : wn, ri, `${path}/allOf/${i}`, "");
    });
    return !rKind && !wKind && Object.keys(reader).every((k) => k === "allOf" || !isSchemaKeyword(k));
  }
  if (!rKind && !wKind) return false;
  if (rKind && wKind) {
    const rList = rt.child(rn, rKind)!;
    const wList = wt.child(wn, wKind)!;
    const rCount = (reader[rKind] as unknown[]).length;
    const wCount = (writer[wKind] as unknown[]).length;
    if (rCount < wCount) {
      change("SUM_TYPE_NARROWED", rKind, { writer: wList, reader: rList }, { path: `${path}/${rKind}`, values: [String(wCount - rCount)] });
      return true;
    }
    for (let i = 0; i < wCount; i++) {
      const wi = wt.child(wList, i);
      if (!anyBranchAccepts(c, wi, rList, rCount)) {
        // Report the detail against the same position when it exists, to point at the changed branch.
        const detail = probe(c);
        walk(detail, wi, rt.child(rList, Math.min(i, rCount - 1)), `${path}/${rKind}/${i}`, "");
        if (detail.out.length > 0) c.out.push(...detail.out);
        else change("COMBINED_TYPE_SUBSCHEMAS_CHANGED", rKind, { writer: wi, reader: rList }, { path: `${path}/${rKind}/${i}`, values: [String(i)] });
      }
    }
    return true;
  }
  if (rKind) {
    // The writer was a single schema; the reader offers alternatives: one must take it whole.
    const rList = rt.child(rn, rKind)!;
    const rCount = (reader[rKind] as unknown[]).length;
    const others = Object.keys(reader).filter((k) => k !== rKind && isSchemaKeyword(k));
    if (others.length === 0 && !anyBranchAccepts(c, wn, rList, rCount)) {
      change("COMBINED_TYPE_CHANGED", rKind, { writer: wn, reader: rList }, { path: `${path}/${rKind}` });
    }
    return others.length === 0;
  }
  // The writer had alternatives, the reader one schema: every alternative must fit.
  const wList = wt.child(wn, wKind!)!;
  const wCount = (writer[wKind!] as unknown[]).length;
  if (wCount === 1) {
    walk(c, wt.child(wList, 0), rn, path, "");
  } else {
    change("COMBINED_TYPE_CHANGED", wKind!, { writer: wList, reader: rn }, { writerValue: wKind });
  }
  return true;
}

/** True when the reader schema accepts everything the writer schema allows (a silent probe: nothing is worded). */
function accepted<T>(c: SchemaComparison<T>, writerNode: SpecNode | undefined, readerNode: SpecNode | undefined): boolean {
  const p: SchemaComparison<T> = { ...c, out: [], seen: new Set(c.seen), emit: found as () => T };
  walk(p, writerNode, readerNode, "#", "");
  return p.out.length === 0;
}

function anyBranchAccepts<T>(c: SchemaComparison<T>, writerBranch: SpecNode | undefined, readerList: SpecNode, count: number): boolean {
  for (let j = 0; j < count; j++) if (accepted(c, writerBranch, c.reader.tree.child(readerList, j))) return true;
  return false;
}

/** `not`: the reader rejects its `not` schema, so that must lie inside what the writer already excluded. */
function notKeyword<T>(c: SchemaComparison<T>, pair: Pair): void {
  const { reader, wn, rn, path } = pair;
  if (reader.not === undefined) return;
  const rNot = c.reader.tree.child(rn, "not");
  const wNot = c.writer.tree.child(wn, "not");
  const extra = { path: `${path}/not` };
  if (!wNot) {
    report(c, pair, "NOT_TYPE_ADDED", "not", { reader: rNot }, extra);
    return;
  }
  const swapped: SchemaComparison<T> = {
    ...c,
    writer: c.reader,
    reader: c.writer,
    writerSide: other(c.writerSide),
    out: [],
    seen: new Set(),
    unresolved: undefined,
    cache: undefined,
  };
  walk(swapped, rNot, wNot, `${path}/not`, "");
  if (swapped.out.length > 0) report(c, pair, "NOT_TYPE_EXTENDED", "not", { writer: wNot, reader: rNot }, extra);
}

function isSchemaKeyword(k: string): boolean {
  return (
    !["$schema", "$id", "id", "title", "description", "default", "examples", "$comment", "definitions", "$defs", "deprecated"].includes(k) &&
    !k.startsWith("x-")
  );
}
