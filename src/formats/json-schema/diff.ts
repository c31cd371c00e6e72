/**
 * JSON Schema compatibility for event payloads: can a reader on one schema version accept every event a
 * writer on the other version may produce? Modelled on Confluent Schema Registry's JSON Schema checks
 * (`json-schema-provider/.../diff`, "strict" set) with one deliberate difference: adding an *optional*
 * property to an open content model is compatible here (Confluent's lenient set agrees), because that is how
 * event schemas normally grow and flagging it would fire on nearly every change.
 *
 * The comparison itself is the one JSON Schema differ (compare.ts, semantic model, every change a break);
 * this file words its findings the way Confluent names them. Schemas are walked through a `SchemaTree` (e.g.
 * the OpenAPI rule's SpecDocument), so `$ref`s are followed only inside the PR's own tree and every issue
 * carries a file and line.
 */
import { isRecord, parseStructured } from "../../engine/structured.js";
import {
  type Compatibility,
  compareSchemas,
  MAX_COMPARISONS,
  type SchemaChange,
  type SchemaComparison,
  type SchemaRoot,
  type SchemaSide,
  SchemaTooComplexError,
  type SchemaTree,
  type UnresolvedRef,
} from "./compare.js";

// Pointers, locations and nodes are the OpenAPI loader's: both rules walk documents loaded by SpecDocument.
import { childNode, type Location, nodeAt, type Pointer, type SpecNode } from "../refs/spec-document.js";
export type { Location, Pointer, SpecNode };
export { MAX_COMPARISONS, SchemaTooComplexError };
export type { Compatibility, SchemaRoot, SchemaSide, SchemaTree, UnresolvedRef };

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

/**
 * Breaks between two versions of one schema under `mode`: `backward` checks that the head schema reads
 * everything the base schema allowed, `forward` the reverse, `full` both.
 */
export function diffJsonSchemas(base: SchemaRoot, head: SchemaRoot, mode: Compatibility, unresolved?: UnresolvedRef[]): JsonSchemaBreak[] {
  const out: JsonSchemaBreak[] = [];
  const budget = { left: MAX_COMPARISONS };
  const found: UnresolvedRef[] = [];
  const run = (direction: "backward" | "forward") => {
    const [writer, reader, writerSide]: [SchemaRoot, SchemaRoot, SchemaSide] = direction === "backward" ? [base, head, "base"] : [head, base, "head"];
    const c: SchemaComparison<JsonSchemaBreak> = {
      model: "semantic",
      writer,
      reader,
      writerSide,
      emit: (change, at) => eventBreak(change, at, direction),
      out,
      seen: new Set(),
      budget,
      unresolved: found,
    };
    compareSchemas(c, writer.node, reader.node);
  };
  if (mode === "backward" || mode === "full") run("backward");
  if (mode === "forward" || mode === "full") run("forward");
  if (unresolved) {
    const keys = new Set<string>();
    for (const u of found) if (!keys.has(`${u.side}${u.file}${u.line}`) && keys.add(`${u.side}${u.file}${u.line}`)) unresolved.push(u);
  }
  const unique = new Map<string, JsonSchemaBreak>();
  for (const b of out) if (!unique.has(`${b.path}\0${b.change}`)) unique.set(`${b.path}\0${b.change}`, b);
  return [...unique.values()];
}

function eventBreak(f: SchemaChange, c: SchemaComparison<JsonSchemaBreak>, direction: "backward" | "forward"): JsonSchemaBreak {
  // Point at the head version when the change is visible there, else at the base.
  const headNode = c.writerSide === "head" ? f.at.writer : f.at.reader;
  const baseNode = c.writerSide === "base" ? f.at.writer : f.at.reader;
  const preferred: [SchemaSide, SpecNode | undefined][] = [
    ["head", headNode],
    ["base", baseNode],
  ];
  const [side, node] = preferred.find(([, n]) => n !== undefined) ?? ["head", undefined];
  const root = side === c.writerSide ? c.writer : c.reader;
  const loc = node?.loc ?? root.node.loc;
  return {
    change: f.change,
    direction,
    side,
    file: loc.file,
    line: root.tree.lineOf(loc),
    path: f.path,
    message: `${readable(eventMessage(f))}: ${
      direction === "backward"
        ? "consumers on the new schema reject events written with the old one"
        : "consumers still on the old schema reject events written with the new one"
    }`,
  };
}

/** Confluent-style wording of a change, by its JSON paths. */
function eventMessage(f: SchemaChange): string {
  const p = f.schemaPath;
  const values = (f.values ?? []).join(", ");
  switch (f.change) {
    case "SCHEMA_NARROWED":
      return `${p} no longer accepts any value`;
    case "TYPE_NARROWED":
    case "TYPE_CHANGED":
      return `${p} type changed from ${(f.writerValue as string[]).join("|")} to ${(f.readerValue as string[]).join("|")}`;
    case "ENUM_ARRAY_CHANGED":
      return `${p} became an enum`;
    case "ENUM_ARRAY_NARROWED":
      return `${p} enum no longer has ${values}`;
    case "CONST_CHANGED":
      return `${p} const changed`;
    case "MULTIPLE_OF_CHANGED":
    case "MULTIPLE_OF_ADDED":
      return `${p} multipleOf ${typeof f.writerValue === "number" ? `changed from ${f.writerValue} to` : "added:"} ${f.readerValue}`;
    case "PATTERN_ADDED":
    case "PATTERN_CHANGED":
      return `${p} pattern ${f.change === "PATTERN_ADDED" ? "added" : "changed"}: ${f.readerValue}`;
    case "UNIQUE_ITEMS_ADDED":
      return `${p} now requires unique items`;
    case "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL":
    case "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL":
      return `required property ${f.path} was added`;
    case "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL":
      return `property ${f.path} was removed from a closed schema`;
    case "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":
      return `property ${f.path} was removed`;
    case "REQUIRED_ATTRIBUTE_ADDED":
      return `property ${f.path} became required`;
    case "ADDITIONAL_PROPERTIES_NARROWED":
    case "ADDITIONAL_PROPERTIES_REMOVED":
      return `${p} no longer allows additional properties`;
    case "DEPENDENCY_SCHEMA_ADDED":
      return `${p} ${f.keyword} of ${values} added`;
    case "DEPENDENCY_ARRAY_ADDED":
    case "DEPENDENCY_ARRAY_EXTENDED":
      return `${p} ${f.keyword} of ${values} now needs ${(f.readerValue as unknown[]).join(", ")}`;
    case "SUM_TYPE_NARROWED":
      return `${p} ${f.keyword} lost ${values} alternative(s)`;
    case "COMBINED_TYPE_SUBSCHEMAS_CHANGED":
      return `${p} ${f.keyword} alternative ${values} is no longer accepted`;
    case "COMBINED_TYPE_CHANGED":
      return f.writerValue !== undefined
        ? `${p} ${f.keyword} became a single schema`
        : `${p} became a ${f.keyword} that does not accept the old schema`;
    case "NOT_TYPE_ADDED":
      return `${p} now excludes values with "not"`;
    case "NOT_TYPE_EXTENDED":
      return `${p} "not" excludes more values`;
    default: {
      // Bounds: MAX_LENGTH_ADDED, MINIMUM_INCREASED, ...
      return f.writerValue === undefined
        ? `${p} ${f.keyword} ${f.readerValue} added`
        : `${p} ${f.keyword} changed from ${f.writerValue} to ${f.readerValue}`;
    }
  }
}

/** Messages name JSON paths; the bare root `#` reads better as words. */
function readable(message: string): string {
  return message.replace(/^# /, "the schema ").replace(/(^| )# /g, "$1the schema ");
}

/**
 * A schema held in memory (one document, `$ref`s inside it only): for tests and the benchmark. With `text`,
 * lines come from the source; otherwise every line is 1.
 */
export function schemaFromValue(file: string, value: unknown, lineOf: (pointer: Pointer) => number = () => 1): SchemaRoot {
  const tree: SchemaTree = {
    deref(node) {
      let current = node;
      for (let hops = 0; hops < 64; hops++) {
        if (!isRecord(current.value) || typeof current.value.$ref !== "string") return current;
        const ref = current.value.$ref;
        const target = ref.startsWith("#") ? nodeAt(file, value, ref.slice(1)) : undefined;
        if (!target) return { value: undefined, loc: current.loc };
        current = target;
      }
      return { value: undefined, loc: node.loc };
    },
    child(node, key) {
      return node ? childNode(this.deref(node), key) : undefined;
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
