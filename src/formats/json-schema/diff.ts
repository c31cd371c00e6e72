/**
 * JSON Schema compatibility for event payloads: can a reader on one schema version accept every event a
 * writer on the other version may produce? Modelled on Confluent Schema Registry's JSON Schema checks
 * (`json-schema-provider/.../diff`, "strict" set) with one deliberate difference: adding an *optional*
 * property to an open content model is compatible here (Confluent's lenient set agrees), because that is how
 * event schemas normally grow and flagging it would fire on nearly every change.
 *
 * Schemas are walked through a `SchemaTree` (e.g. the OpenAPI rule's SpecDocument), so `$ref`s are followed
 * only inside the PR's own tree and every issue carries a file and line.
 */
import { isRecord, parseStructured } from "../../engine/structured.js";
import { declaredTypes } from "./types.js";

// Pointers, locations and nodes are the OpenAPI loader's: both rules walk documents loaded by SpecDocument.
import { parsePointer, type Location, type Pointer, type SpecNode } from "../refs/spec-document.js";
export type { Location, Pointer, SpecNode };

export type Compatibility = "backward" | "forward" | "full";
export type SchemaSide = "base" | "head";

/** What the diff needs from a loaded schema document (structurally satisfied by SpecDocument). */
export interface SchemaTree {
  deref(node: SpecNode): SpecNode;
  child(node: SpecNode | undefined, key: string | number): SpecNode | undefined;
  lineOf(loc: Location): number;
}

export interface SchemaRoot {
  tree: SchemaTree;
  node: SpecNode;
}

export interface JsonSchemaBreak {
  /** Confluent's name for the change (e.g. TYPE_NARROWED, REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL). */
  change: string;
  /** Who breaks: `backward` = readers on the new schema reject old events; `forward` = old readers reject new events. */
  direction: "backward" | "forward";
  side: SchemaSide;
  file: string;
  line: number;
  /** JSON path inside the schema, e.g. `#/properties/amount` (stable, no line numbers). */
  path: string;
  message: string;
}

/** Most schema pairs one diff may compare: `oneOf` inside `oneOf` is quadratic per level. */
export const MAX_COMPARISONS = 200_000;

/** Thrown when a pair of schemas needs more than MAX_COMPARISONS comparisons: the caller cannot judge it. */
export class SchemaTooComplexError extends Error {
  constructor() {
    super(`schema too complex to compare (more than ${MAX_COMPARISONS} sub-schema comparisons)`);
  }
}

/** A `$ref` the diff could not follow (missing target, outside the tree): that part is not compared. */
export interface UnresolvedRef {
  side: SchemaSide;
  file: string;
  line: number;
  ref: string;
}

interface Walk {
  /** Shared by every probe of one diff. */
  budget: { left: number };
  /** Shared too; only the main walk (not probes) reports into it. */
  unresolved?: UnresolvedRef[];
  writer: SchemaRoot;
  reader: SchemaRoot;
  writerSide: SchemaSide;
  direction: "backward" | "forward";
  out: JsonSchemaBreak[];
  seen: Set<string>;
}

type Schema = Record<string, unknown> | boolean;

const TYPES = ["null", "boolean", "object", "array", "number", "integer", "string"] as const;

/**
 * Breaks between two versions of one schema under `mode`: `backward` checks that the head schema reads
 * everything the base schema allowed, `forward` the reverse, `full` both.
 */
export function diffJsonSchemas(base: SchemaRoot, head: SchemaRoot, mode: Compatibility, unresolved?: UnresolvedRef[]): JsonSchemaBreak[] {
  const out: JsonSchemaBreak[] = [];
  const budget = { left: MAX_COMPARISONS };
  const found: UnresolvedRef[] = [];
  if (mode === "backward" || mode === "full") {
    walk(
      { budget, unresolved: found, writer: base, reader: head, writerSide: "base", direction: "backward", out, seen: new Set() },
      base.node,
      head.node,
      "#",
    );
  }
  if (mode === "forward" || mode === "full") {
    walk(
      { budget, unresolved: found, writer: head, reader: base, writerSide: "head", direction: "forward", out, seen: new Set() },
      head.node,
      base.node,
      "#",
    );
  }
  if (unresolved) {
    const keys = new Set<string>();
    for (const u of found) if (!keys.has(`${u.side}${u.file}${u.line}`) && keys.add(`${u.side}${u.file}${u.line}`)) unresolved.push(u);
  }
  const unique = new Map<string, JsonSchemaBreak>();
  for (const b of out) if (!unique.has(`${b.path}\0${b.change}`)) unique.set(`${b.path}\0${b.change}`, b);
  return [...unique.values()];
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

/** Declared types, `nullable` included (see declaredTypes: one rule for every schema differ). */
const typesOf = declaredTypes;

/** Types a schema can produce: from `type`, else inferred from type-specific keywords, else all. */
function effectiveTypes(s: Record<string, unknown>): Set<string> {
  const declared = typesOf(s);
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

function accepts(readerTypes: Set<string>, type: string): boolean {
  return readerTypes.has(type) || (type === "integer" && readerTypes.has("number"));
}

function report(w: Walk, change: string, path: string, at: { writer?: SpecNode; reader?: SpecNode }, message: string): void {
  // Point at the head version when the change is visible there, else at the base.
  const headNode = w.writerSide === "head" ? at.writer : at.reader;
  const baseNode = w.writerSide === "base" ? at.writer : at.reader;
  const preferred: [SchemaSide, SpecNode | undefined][] = [
    ["head", headNode],
    ["base", baseNode],
  ];
  const [side, node] = preferred.find(([, n]) => n !== undefined) ?? ["head", undefined];
  const root = side === w.writerSide ? w.writer : w.reader;
  const loc = node?.loc ?? root.node.loc;
  w.out.push({
    change,
    direction: w.direction,
    side,
    file: loc.file,
    line: root.tree.lineOf(loc),
    path,
    message: `${readable(message)}: ${
      w.direction === "backward"
        ? "consumers on the new schema reject events written with the old one"
        : "consumers still on the old schema reject events written with the new one"
    }`,
  });
}

/** Messages name JSON paths; the bare root `#` reads better as words. */
function readable(message: string): string {
  return message.replace(/^# /, "the schema ").replace(/(^| )# /g, "$1the schema ");
}

function walk(w: Walk, writerNode: SpecNode | undefined, readerNode: SpecNode | undefined, path: string): void {
  if (--w.budget.left < 0) throw new SchemaTooComplexError();
  const wn = writerNode ? w.writer.tree.deref(writerNode) : undefined;
  const rn = readerNode ? w.reader.tree.deref(readerNode) : undefined;
  // A reference that leads nowhere says nothing about either version: skip it rather than read it as "anything".
  const writerLost = isDanglingRef(writerNode, wn);
  const readerLost = isDanglingRef(readerNode, rn);
  if (writerLost || readerLost) {
    const writerSideOf = w.writerSide;
    const readerSideOf: SchemaSide = w.writerSide === "base" ? "head" : "base";
    if (writerLost)
      w.unresolved?.push({
        side: writerSideOf,
        file: writerNode!.loc.file,
        line: w.writer.tree.lineOf(refLoc(writerNode!)),
        ref: String((writerNode!.value as Record<string, unknown>).$ref),
      });
    if (readerLost)
      w.unresolved?.push({
        side: readerSideOf,
        file: readerNode!.loc.file,
        line: w.reader.tree.lineOf(refLoc(readerNode!)),
        ref: String((readerNode!.value as Record<string, unknown>).$ref),
      });
    return;
  }
  const ws = schemaOf(wn);
  const rs = schemaOf(rn);
  if (acceptsAnything(rs) || ws === false) return;
  if (rs === false) {
    report(w, "SCHEMA_NARROWED", path, { writer: wn, reader: rn }, `${path} no longer accepts any value`);
    return;
  }
  if (rs === undefined) return;
  // An absent writer schema (no `items`, no `additionalProperties`…) allowed anything.
  const writer: Record<string, unknown> = ws === true || ws === undefined ? {} : ws;
  const reader = rs as Record<string, unknown>;
  const key = `${wn?.loc.file}#${wn?.loc.pointer.join("/")}|${rn?.loc.file}#${rn?.loc.pointer.join("/")}`;
  if (w.seen.has(key)) return; // recursive schema: assume compatible on re-entry
  w.seen.add(key);

  const child = (root: SchemaRoot, node: SpecNode | undefined, k: string | number) => root.tree.child(node, k);
  const wChild = (k: string | number) => child(w.writer, wn, k);
  const rChild = (k: string | number) => child(w.reader, rn, k);
  const at = (k: string) => ({ writer: wChild(k), reader: rChild(k) ?? rn });

  // A writer `allOf` is at least as strict as each member: one member the reader accepts is enough.
  if (Array.isArray(writer.allOf) && !Array.isArray(reader.allOf)) {
    const wAll = wChild("allOf");
    if (writer.allOf.some((_, i) => accepted(w, w.writer.tree.child(wAll, i), rn))) return;
  }
  // Combinations first: they decide which branches must line up.
  if (combined(w, writer, reader, wn, rn, path)) return;
  notKeyword(w, writer, reader, wn, rn, path);

  // type
  const rTypes = typesOf(reader);
  const wTypes = effectiveTypes(writer);
  if (rTypes) {
    const lost = [...wTypes].filter((t) => !accepts(rTypes, t));
    if (lost.length > 0) {
      const change = [...rTypes].some((t) => wTypes.has(t)) ? "TYPE_NARROWED" : "TYPE_CHANGED";
      report(
        w,
        change,
        path,
        { writer: wChild("type") ?? wn, reader: rChild("type") ?? rn },
        `${path} type changed from ${[...wTypes].join("|")} to ${[...rTypes].join("|")}`,
      );
      return;
    }
  }

  // enum / const
  if (Array.isArray(reader.enum)) {
    const allowed = reader.enum.map((v) => JSON.stringify(v));
    const written = Array.isArray(writer.enum) ? writer.enum : "const" in writer ? [writer.const] : undefined;
    if (!written) {
      report(w, "ENUM_ARRAY_CHANGED", path, at("enum"), `${path} became an enum`);
    } else {
      const missing = written.filter((v) => !allowed.includes(JSON.stringify(v)));
      if (missing.length > 0) {
        report(w, "ENUM_ARRAY_NARROWED", path, at("enum"), `${path} enum no longer has ${missing.map((v) => JSON.stringify(v)).join(", ")}`);
      }
    }
  }
  if ("const" in reader) {
    const written = Array.isArray(writer.enum) ? writer.enum : "const" in writer ? [writer.const] : undefined;
    if (!written || written.some((v) => JSON.stringify(v) !== JSON.stringify(reader.const))) {
      report(w, "CONST_CHANGED", path, at("const"), `${path} const changed`);
    }
  }

  // numbers and strings: a bound the reader adds or tightens rejects values the writer allowed.
  bound(w, path, writer, reader, at, "maxLength", "max", "MAX_LENGTH");
  bound(w, path, writer, reader, at, "minLength", "min", "MIN_LENGTH");
  bound(w, path, writer, reader, at, "maximum", "max", "MAXIMUM");
  bound(w, path, writer, reader, at, "minimum", "min", "MINIMUM");
  bound(w, path, writer, reader, at, "exclusiveMaximum", "max", "EXCLUSIVE_MAXIMUM");
  bound(w, path, writer, reader, at, "exclusiveMinimum", "min", "EXCLUSIVE_MINIMUM");
  bound(w, path, writer, reader, at, "maxItems", "max", "MAX_ITEMS");
  bound(w, path, writer, reader, at, "minItems", "min", "MIN_ITEMS");
  bound(w, path, writer, reader, at, "maxProperties", "max", "MAX_PROPERTIES");
  bound(w, path, writer, reader, at, "minProperties", "min", "MIN_PROPERTIES");
  bound(w, path, writer, reader, at, "maxContains", "max", "MAX_CONTAINS");
  bound(w, path, writer, reader, at, "minContains", "min", "MIN_CONTAINS");
  if (typeof reader.multipleOf === "number") {
    const wm = writer.multipleOf;
    if (typeof wm !== "number" || !isMultiple(wm, reader.multipleOf)) {
      report(
        w,
        typeof wm === "number" ? "MULTIPLE_OF_CHANGED" : "MULTIPLE_OF_ADDED",
        path,
        at("multipleOf"),
        `${path} multipleOf ${typeof wm === "number" ? `changed from ${wm} to` : "added:"} ${reader.multipleOf}`,
      );
    }
  }
  if (typeof reader.pattern === "string" && reader.pattern !== writer.pattern) {
    report(
      w,
      writer.pattern === undefined ? "PATTERN_ADDED" : "PATTERN_CHANGED",
      path,
      at("pattern"),
      `${path} pattern ${writer.pattern === undefined ? "added" : "changed"}: ${reader.pattern}`,
    );
  }
  if (reader.uniqueItems === true && writer.uniqueItems !== true) {
    report(w, "UNIQUE_ITEMS_ADDED", path, at("uniqueItems"), `${path} now requires unique items`);
  }

  objectKeywords(w, writer, reader, wn, rn, path);
  arrayKeywords(w, writer, reader, wn, rn, path);
}

function isMultiple(writerStep: number, readerStep: number): boolean {
  const ratio = writerStep / readerStep;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function bound(
  w: Walk,
  path: string,
  writer: Record<string, unknown>,
  reader: Record<string, unknown>,
  at: (k: string) => { writer?: SpecNode; reader?: SpecNode },
  keyword: string,
  kind: "max" | "min",
  name: string,
): void {
  const r = reader[keyword];
  if (typeof r !== "number") return;
  const wv = writer[keyword];
  if (typeof wv !== "number") {
    report(w, `${name}_ADDED`, path, at(keyword), `${path} ${keyword} ${r} added`);
  } else if (kind === "max" ? r < wv : r > wv) {
    report(w, `${name}_${kind === "max" ? "DECREASED" : "INCREASED"}`, path, at(keyword), `${path} ${keyword} changed from ${wv} to ${r}`);
  }
}

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

function requiredOf(s: Record<string, unknown>): Set<string> {
  return new Set(Array.isArray(s.required) ? s.required.filter((x): x is string => typeof x === "string") : []);
}

function objectKeywords(
  w: Walk,
  writer: Record<string, unknown>,
  reader: Record<string, unknown>,
  wn: SpecNode | undefined,
  rn: SpecNode | undefined,
  path: string,
): void {
  const wProps = isRecord(writer.properties) ? writer.properties : {};
  const rProps = isRecord(reader.properties) ? reader.properties : {};
  const rPropsNode = w.reader.tree.child(rn, "properties");
  const wPropsNode = w.writer.tree.child(wn, "properties");
  const wOpen = openness(writer);
  const rOpen = openness(reader);
  const wRequired = requiredOf(writer);
  const rRequired = requiredOf(reader);

  for (const name of Object.keys(rProps)) {
    const rp = w.reader.tree.child(rPropsNode, name);
    const propPath = `${path}/properties/${name}`;
    if (Object.hasOwn(wProps, name)) {
      walk(w, w.writer.tree.child(wPropsNode, name), rp, propPath);
      continue;
    }
    // Property new to the reader.
    const rpSchema = schemaOf(rp ? w.reader.tree.deref(rp) : undefined);
    const hasDefault = isRecord(rpSchema) && "default" in rpSchema;
    if (rRequired.has(name) && !hasDefault) {
      const change = wOpen === "closed" ? "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL" : "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL";
      report(w, change, propPath, { reader: rp }, `required property ${propPath} was added`);
    } else if (wOpen === "open" || wOpen === "partial") {
      // The writer could already send `name` with any value (or one its additionalProperties allowed).
      const wAdditional = wOpen === "partial" ? w.writer.tree.child(wn, additionalKeyword(writer)) : undefined;
      if (wAdditional && schemaOf(w.writer.tree.deref(wAdditional)) === false) continue;
      if (wAdditional) walk(w, wAdditional, rp, propPath);
      // Optional property on an open model: compatible on purpose (see the file comment).
    }
  }
  for (const name of Object.keys(wProps)) {
    if (Object.hasOwn(rProps, name)) continue;
    const wp = w.writer.tree.child(wPropsNode, name);
    const propPath = `${path}/properties/${name}`;
    const wpSchema = schemaOf(wp ? w.writer.tree.deref(wp) : undefined);
    if (wpSchema === false) continue;
    if (rOpen === "closed") {
      report(w, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", propPath, { writer: wp }, `property ${propPath} was removed from a closed schema`);
    } else if (rOpen === "partial") {
      const pattern = matchingPattern(reader, name);
      const target =
        pattern !== undefined
          ? w.reader.tree.child(w.reader.tree.child(rn, "patternProperties"), pattern)
          : w.reader.tree.child(rn, additionalKeyword(reader));
      if (target) walk(w, wp, target, propPath);
      else report(w, "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", propPath, { writer: wp }, `property ${propPath} was removed`);
    }
  }
  // A property the reader now requires that the writer only had as optional.
  for (const name of rRequired) {
    if (!wRequired.has(name) && Object.hasOwn(wProps, name)) {
      const rp = w.reader.tree.child(rPropsNode, name);
      const rpSchema = schemaOf(rp ? w.reader.tree.deref(rp) : undefined);
      if (isRecord(rpSchema) && "default" in rpSchema) continue;
      report(
        w,
        "REQUIRED_ATTRIBUTE_ADDED",
        `${path}/properties/${name}`,
        { reader: w.reader.tree.child(rn, "required") ?? rp },
        `property ${path}/properties/${name} became required`,
      );
    }
  }
  // additionalProperties tightened.
  const rAdditional = w.reader.tree.child(rn, additionalKeyword(reader));
  if (rAdditional && wOpen !== "closed") {
    const rSchema = schemaOf(w.reader.tree.deref(rAdditional));
    const wAdditional = w.writer.tree.child(wn, additionalKeyword(writer));
    if (rSchema === false && (wOpen === "open" || wOpen === "partial") && !(wAdditional && schemaOf(w.writer.tree.deref(wAdditional)) === false)) {
      report(
        w,
        wAdditional ? "ADDITIONAL_PROPERTIES_NARROWED" : "ADDITIONAL_PROPERTIES_REMOVED",
        `${path}/additionalProperties`,
        { writer: wAdditional, reader: rAdditional },
        `${path} no longer allows additional properties`,
      );
    } else if (rSchema !== false && !acceptsAnything(rSchema)) {
      walk(w, wAdditional, rAdditional, `${path}/additionalProperties`);
    }
  }
  // Dependencies the reader adds.
  for (const keyword of ["dependentRequired", "dependentSchemas", "dependencies"]) {
    const rd = reader[keyword];
    if (!isRecord(rd)) continue;
    const wd = isRecord(writer[keyword]) ? (writer[keyword] as Record<string, unknown>) : {};
    for (const [prop, deps] of Object.entries(rd)) {
      if (!Array.isArray(deps)) {
        // A dependent schema: applies when `prop` is present.
        const rDep = w.reader.tree.child(w.reader.tree.child(rn, keyword), prop);
        const wDep = w.writer.tree.child(w.writer.tree.child(wn, keyword), prop);
        if (!wDep) report(w, "DEPENDENCY_SCHEMA_ADDED", `${path}/${keyword}/${prop}`, { reader: rDep }, `${path} ${keyword} of ${prop} added`);
        else walk(w, wDep, rDep, `${path}/${keyword}/${prop}`);
        continue;
      }
      const before = Array.isArray(wd[prop]) ? (wd[prop] as unknown[]) : [];
      if (deps.some((d) => !before.includes(d))) {
        report(
          w,
          before.length === 0 ? "DEPENDENCY_ARRAY_ADDED" : "DEPENDENCY_ARRAY_EXTENDED",
          `${path}/${keyword}/${prop}`,
          { reader: w.reader.tree.child(w.reader.tree.child(rn, keyword), prop) },
          `${path} ${keyword} of ${prop} now needs ${deps.join(", ")}`,
        );
      }
    }
  }
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

function arrayKeywords(
  w: Walk,
  _writer: Record<string, unknown>,
  reader: Record<string, unknown>,
  wn: SpecNode | undefined,
  rn: SpecNode | undefined,
  path: string,
): void {
  const rItems = w.reader.tree.child(rn, "items");
  const wItems = w.writer.tree.child(wn, "items");
  if (rItems && !Array.isArray(rItems.value)) {
    if (wItems && Array.isArray(wItems.value)) {
      wItems.value.forEach((_, i) => walk(w, w.writer.tree.child(wItems, i), rItems, `${path}/items/${i}`));
    } else {
      walk(w, wItems, rItems, `${path}/items`);
    }
  }
  // Tuple forms (draft-07 `items: [...]`, 2020-12 `prefixItems`).
  for (const keyword of ["prefixItems", "items"]) {
    const r = w.reader.tree.child(rn, keyword);
    if (!r || !Array.isArray(r.value)) continue;
    const wTuple = w.writer.tree.child(wn, keyword);
    const wList = wTuple && Array.isArray(wTuple.value) ? wTuple.value : [];
    const moreKey = keyword === "items" ? "additionalItems" : "items";
    const wMore = w.writer.tree.child(wn, moreKey) ?? w.writer.tree.child(wn, "unevaluatedItems");
    const rMore = w.reader.tree.child(rn, moreKey) ?? w.reader.tree.child(rn, "unevaluatedItems");
    r.value.forEach((_, i) => {
      const wi = i < wList.length ? w.writer.tree.child(wTuple, i) : wMore;
      walk(w, wi, w.reader.tree.child(r, i), `${path}/${keyword}/${i}`);
    });
    // Items the writer had beyond the reader's tuple now fall to the reader's additional items schema.
    for (let i = r.value.length; i < wList.length; i++) {
      if (rMore) walk(w, w.writer.tree.child(wTuple, i), rMore, `${path}/${keyword}/${i}`);
    }
    if (rMore && wList.length <= r.value.length) walk(w, wMore, rMore, `${path}/${moreKey}`);
  }
  if (!Array.isArray(reader.items) && !Array.isArray(reader.prefixItems)) {
    for (const keyword of ["additionalItems", "unevaluatedItems"]) {
      const rMore = w.reader.tree.child(rn, keyword);
      if (rMore) walk(w, w.writer.tree.child(wn, keyword), rMore, `${path}/${keyword}`);
    }
  }
}

/**
 * anyOf / oneOf / allOf. Returns true when the combination decided the comparison (the caller stops).
 * Every branch the writer can take must be accepted by some reader branch; every `allOf` member the reader
 * adds must accept the writer.
 */
function combined(
  w: Walk,
  writer: Record<string, unknown>,
  reader: Record<string, unknown>,
  wn: SpecNode | undefined,
  rn: SpecNode | undefined,
  path: string,
): boolean {
  const kindOf = (s: Record<string, unknown>) => (Array.isArray(s.oneOf) ? "oneOf" : Array.isArray(s.anyOf) ? "anyOf" : undefined);
  const rKind = kindOf(reader);
  const wKind = kindOf(writer);
  if (Array.isArray(reader.allOf)) {
    // Each member the reader requires must accept the writer: the whole writer, or one of its own members.
    const rAll = w.reader.tree.child(rn, "allOf")!;
    const wAll = Array.isArray(writer.allOf) ? w.writer.tree.child(wn, "allOf") : undefined;
    const wCount = Array.isArray(writer.allOf) ? writer.allOf.length : 0;
    reader.allOf.forEach((_, i) => {
      const ri = w.reader.tree.child(rAll, i);
      if (accepted(w, wn, ri)) return;
      for (let j = 0; j < wCount; j++) if (accepted(w, w.writer.tree.child(wAll, j), ri)) return;
      walk(w, wAll && i < wCount ? w.writer.tree.child(wAll, i) : wn, ri, `${path}/allOf/${i}`);
    });
    return !rKind && !wKind && Object.keys(reader).every((k) => k === "allOf" || !isSchemaKeyword(k));
  }
  if (!rKind && !wKind) return false;
  if (rKind && wKind) {
    const rList = w.reader.tree.child(rn, rKind)!;
    const wList = w.writer.tree.child(wn, wKind)!;
    const rCount = (reader[rKind] as unknown[]).length;
    const wCount = (writer[wKind] as unknown[]).length;
    if (rCount < wCount) {
      report(w, "SUM_TYPE_NARROWED", `${path}/${rKind}`, { writer: wList, reader: rList }, `${path} ${rKind} lost ${wCount - rCount} alternative(s)`);
      return true;
    }
    for (let i = 0; i < wCount; i++) {
      const wi = w.writer.tree.child(wList, i);
      if (!anyBranchAccepts(w, wi, rList, rCount)) {
        // Report the detail against the same position when it exists, to point at the changed branch.
        const probe = { ...w, out: [] as JsonSchemaBreak[], seen: new Set(w.seen) };
        walk(probe, wi, w.reader.tree.child(rList, Math.min(i, rCount - 1)), `${path}/${rKind}/${i}`);
        if (probe.out.length > 0) w.out.push(...probe.out);
        else
          report(
            w,
            "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
            `${path}/${rKind}/${i}`,
            { writer: wi, reader: rList },
            `${path} ${rKind} alternative ${i} is no longer accepted`,
          );
      }
    }
    return true;
  }
  if (rKind) {
    // The writer was a single schema; the reader offers alternatives: one must take it whole.
    const rList = w.reader.tree.child(rn, rKind)!;
    const rCount = (reader[rKind] as unknown[]).length;
    const others = Object.keys(reader).filter((k) => k !== rKind && isSchemaKeyword(k));
    if (others.length === 0 && !anyBranchAccepts(w, wn, rList, rCount)) {
      report(
        w,
        "COMBINED_TYPE_CHANGED",
        `${path}/${rKind}`,
        { writer: wn, reader: rList },
        `${path} became a ${rKind} that does not accept the old schema`,
      );
    }
    return others.length === 0;
  }
  // The writer had alternatives, the reader one schema: every alternative must fit.
  const wList = w.writer.tree.child(wn, wKind!)!;
  const wCount = (writer[wKind!] as unknown[]).length;
  if (wCount === 1) {
    walk(w, w.writer.tree.child(wList, 0), rn, path);
  } else {
    report(w, "COMBINED_TYPE_CHANGED", path, { writer: wList, reader: rn }, `${path} ${wKind} became a single schema`);
  }
  return true;
}

/** True when the reader schema accepts everything the writer schema allows (a silent probe). */
function accepted(w: Walk, writerNode: SpecNode | undefined, readerNode: SpecNode | undefined): boolean {
  const probe: Walk = { ...w, out: [], seen: new Set(w.seen) };
  walk(probe, writerNode, readerNode, "#");
  return probe.out.length === 0;
}

/** `not`: the reader rejects its `not` schema, so that must lie inside what the writer already excluded. */
function notKeyword(
  w: Walk,
  writer: Record<string, unknown>,
  reader: Record<string, unknown>,
  wn: SpecNode | undefined,
  rn: SpecNode | undefined,
  path: string,
): void {
  if (reader.not === undefined) return;
  const rNot = w.reader.tree.child(rn, "not");
  const wNot = w.writer.tree.child(wn, "not");
  const swapped: Walk = {
    budget: w.budget,
    writer: w.reader,
    reader: w.writer,
    writerSide: w.writerSide === "base" ? "head" : "base",
    direction: w.direction,
    out: [],
    seen: new Set(),
  };
  if (!wNot) {
    report(w, "NOT_TYPE_ADDED", `${path}/not`, { reader: rNot }, `${path} now excludes values with "not"`);
    return;
  }
  walk(swapped, rNot, wNot, `${path}/not`);
  if (swapped.out.length > 0) report(w, "NOT_TYPE_EXTENDED", `${path}/not`, { writer: wNot, reader: rNot }, `${path} "not" excludes more values`);
  void writer;
}

function anyBranchAccepts(w: Walk, writerBranch: SpecNode | undefined, readerList: SpecNode, count: number): boolean {
  for (let j = 0; j < count; j++) {
    const probe: Walk = { ...w, out: [], seen: new Set(w.seen) };
    walk(probe, writerBranch, w.reader.tree.child(readerList, j), "#");
    if (probe.out.length === 0) return true;
  }
  return false;
}

function isSchemaKeyword(k: string): boolean {
  return (
    !["$schema", "$id", "id", "title", "description", "default", "examples", "$comment", "definitions", "$defs", "deprecated"].includes(k) &&
    !k.startsWith("x-")
  );
}

/**
 * A schema held in memory (one document, `$ref`s inside it only): for tests and the benchmark. With `text`,
 * lines come from the source; otherwise every line is 1.
 */
export function schemaFromValue(file: string, value: unknown, lineOf: (pointer: Pointer) => number = () => 1): SchemaRoot {
  const resolve = (ref: string): SpecNode | undefined => {
    if (!ref.startsWith("#")) return undefined;
    const pointer = parsePointer(ref.slice(1));
    if (!pointer) return undefined;
    let current: unknown = value;
    const path: (string | number)[] = [];
    for (const segment of pointer) {
      if (Array.isArray(current) && /^\d+$/.test(segment)) {
        current = current[Number(segment)];
        path.push(Number(segment));
      } else if (isRecord(current) && Object.hasOwn(current, segment)) {
        current = current[segment];
        path.push(segment);
      } else return undefined;
    }
    return { value: current, loc: { file, pointer: path } };
  };
  const tree: SchemaTree = {
    deref(node) {
      let current = node;
      for (let hops = 0; hops < 64; hops++) {
        if (!isRecord(current.value) || typeof current.value.$ref !== "string") return current;
        const target = resolve(current.value.$ref);
        if (!target) return { value: undefined, loc: current.loc };
        current = target;
      }
      return { value: undefined, loc: node.loc };
    },
    child(node, key) {
      if (!node) return undefined;
      const resolved = this.deref(node);
      const v = resolved.value;
      let childValue: unknown;
      if (Array.isArray(v) && typeof key === "number") childValue = v[key];
      else if (isRecord(v) && Object.hasOwn(v, String(key))) childValue = v[String(key)];
      else return undefined;
      return childValue === undefined ? undefined : { value: childValue, loc: { file: resolved.loc.file, pointer: [...resolved.loc.pointer, key] } };
    },
    lineOf: (loc) => lineOf(loc.pointer),
  };
  return { tree, node: { value, loc: { file, pointer: [] } } };
}

/** `schemaFromValue` for a JSON/YAML text, with source lines; undefined when the text does not parse. */
export function schemaFromText(file: string, text: string): SchemaRoot | undefined {
  const parsed = parseStructured(text);
  const doc = parsed.docs[0];
  if (parsed.errors.length > 0 || !doc) return undefined;
  return schemaFromValue(file, doc.value, (pointer) => doc.lineOf(pointer));
}
