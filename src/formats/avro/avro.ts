/**
 * Avro schema compatibility, judged by avsc's schema resolution (`reader.createResolver(writer)` throws when
 * the reader cannot decode what the writer wrote) and localised to the field that causes it, so a finding
 * names a file line. `backward`: the new schema reads old data (Confluent's default); `forward`: the old
 * schema reads new data; `full`: both.
 */
import type avro from "avsc";
import { lazyRequire } from "../../engine/lazy.js";
import { isRecord, parseStructured } from "../../engine/structured.js";
import type { Compatibility } from "../json-schema/diff.js";

let avsc: typeof avro | undefined;
/** avsc, loaded on first use. */
const avroTypes = (): typeof avro.Type => (avsc ??= lazyRequire("avsc") as typeof avro).Type;

export type AvroSide = "base" | "head";

export interface AvroBreak {
  direction: "backward" | "forward";
  side: AvroSide;
  line: number;
  /** Stable identity (record.field and what changed), no line numbers. */
  key: string;
  message: string;
}

type Pointer = (string | number)[];

export interface AvroSchema {
  type: avro.Type;
  /** The schema as JSON (for keywords avsc does not keep, e.g. an enum's `default`). */
  value: unknown;
  /** 1-based source line of a JSON pointer into the schema. */
  lineOf(pointer: Pointer): number;
  /** JSON pointer of each named type's definition in the file, by full name. */
  definitions: Map<string, Pointer>;
}

export type AvroParseResult = { ok: true; schema: AvroSchema } | { ok: false; message: string; line: number };

/** Parses an `.avsc` text (JSON). Never throws: syntax and schema errors come back with a line. */
/** Named types defined in other files (full name -> type), for schemas that refer to them by name. */
export type AvroRegistry = Record<string, avro.Type>;

export function parseAvro(text: string, registry: AvroRegistry = {}): AvroParseResult {
  const parsed = parseStructured(text);
  const doc = parsed.docs[0];
  if (parsed.errors.length > 0 || !doc) {
    const first = parsed.errors[0];
    return { ok: false, message: first?.message ?? "empty schema", line: first?.line ?? 1 };
  }
  const result = avroFromValue(doc.value, (pointer) => doc.lineOf(pointer), registry);
  if (result.ok) return result;
  // Point at the first line that mentions the offending name when the message quotes one.
  const name = /: ([\w.]+)$/.exec(result.message)?.[1];
  const line = name ? text.split("\n").findIndex((l) => l.includes(`"${name}"`)) + 1 : 0;
  return { ok: false, message: result.message, line: line > 0 ? line : doc.startLine };
}

/** An Avro schema already parsed as JSON (e.g. an AsyncAPI payload), with a way to find source lines. */
export function avroFromValue(value: unknown, lineOf: (pointer: Pointer) => number, registry: AvroRegistry = {}): AvroParseResult {
  let type: avro.Type;
  try {
    // A copy: avsc adds this schema's own names to the registry it is given.
    type = avroTypes().forSchema(value as avro.Schema, { wrapUnions: false, registry: { ...registry } });
  } catch (error) {
    return { ok: false, message: (error as Error).message, line: lineOf([]) };
  }
  const definitions = new Map<string, Pointer>();
  collectDefinitions(value, [], undefined, definitions);
  return { ok: true, schema: { type, value, lineOf, definitions } };
}

/** The full name in avsc's "undefined type name: com.acme.Money" error, when that is the error. */
export function undefinedTypeName(message: string): string | undefined {
  return /undefined type name: ([\w.]+)/.exec(message)?.[1];
}

/** Adds the named types an .avsc text defines to `registry` (false when it does not parse). */
export function registerAvro(text: string, registry: AvroRegistry): boolean {
  const parsed = parseStructured(text);
  const doc = parsed.docs[0];
  if (parsed.errors.length > 0 || !doc) return false;
  try {
    const scratch = { ...registry };
    avroTypes().forSchema(doc.value as avro.Schema, { wrapUnions: false, registry: scratch });
    Object.assign(registry, scratch);
    return true;
  } catch {
    return false;
  }
}

function fullName(name: string, namespace: string | undefined): string {
  return name.includes(".") || !namespace ? name : `${namespace}.${name}`;
}

function collectDefinitions(value: unknown, pointer: Pointer, namespace: string | undefined, out: Map<string, Pointer>): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => collectDefinitions(v, [...pointer, i], namespace, out));
    return;
  }
  if (!isRecord(value)) return;
  let ns = namespace;
  if (typeof value.name === "string" && ["record", "error", "enum", "fixed"].includes(String(value.type))) {
    const name = fullName(value.name, typeof value.namespace === "string" ? value.namespace : namespace);
    out.set(name, pointer);
    ns = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : undefined;
  }
  if (Array.isArray(value.fields))
    value.fields.forEach((f, i) => isRecord(f) && collectDefinitions(f.type, [...pointer, "fields", i, "type"], ns, out));
  for (const key of ["items", "values"]) if (key in value) collectDefinitions(value[key], [...pointer, key], ns, out);
  if (Array.isArray(value.type) || isRecord(value.type)) collectDefinitions(value.type, [...pointer, "type"], ns, out);
}

interface Walk {
  reader: AvroSchema;
  writer: AvroSchema;
  readerSide: AvroSide;
  direction: "backward" | "forward";
  out: AvroBreak[];
  seen: Set<string>;
}

function canRead(reader: avro.Type, writer: avro.Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function namedPointer(schema: AvroSchema, type: avro.Type, fallback: Pointer): Pointer {
  return (type.name && schema.definitions.get(type.name)) || fallback;
}

function report(w: Walk, at: { reader?: Pointer; writer?: Pointer }, key: string, message: string): void {
  const headPointer = w.readerSide === "head" ? at.reader : at.writer;
  const basePointer = w.readerSide === "base" ? at.reader : at.writer;
  const [side, pointer] = headPointer ? (["head", headPointer] as const) : (["base", basePointer ?? []] as const);
  const schema = side === w.readerSide ? w.reader : w.writer;
  w.out.push({
    direction: w.direction,
    side,
    line: schema.lineOf(pointer),
    key: `${w.direction}: ${key}`,
    message:
      w.direction === "backward"
        ? `${message}: consumers on the new schema cannot read records written with the old one`
        : `${message}: consumers still on the old schema cannot read records written with the new one`,
  });
}

function compare(w: Walk, reader: avro.Type, writer: avro.Type, rPtr: Pointer, wPtr: Pointer, label: string): void {
  // Named types are compared once (recursive records end here); anonymous ones once per place.
  const pair = reader.name && writer.name ? `${reader.name}|${writer.name}` : `${reader.typeName}|${writer.typeName}|${label}`;
  if (w.seen.has(pair)) return;
  w.seen.add(pair);
  const problem = canRead(reader, writer);
  const rDef = namedPointer(w.reader, reader, rPtr);
  const wDef = namedPointer(w.writer, writer, wPtr);
  if (reader.typeName === "record" && writer.typeName === "record") {
    const rRecord = reader as avro.types.RecordType;
    const wRecord = writer as avro.types.RecordType;
    const before = w.out.length;
    const wFields = wRecord.fields;
    rRecord.fields.forEach((rf, i) => {
      const wi = wFields.findIndex((f) => f.name === rf.name || rf.aliases.includes(f.name));
      const rfPtr = [...rDef, "fields", i];
      const name = `${rRecord.name ?? label}.${rf.name}`;
      if (wi < 0) {
        if (rf.defaultValue() === undefined) {
          const message =
            w.readerSide === "head" ? `field ${name} was added without a default` : `field ${name} was removed although it has no default`;
          report(w, { reader: [...rfPtr, "name"] }, `${name} missing`, message);
        }
        return;
      }
      compare(w, rf.type, wFields[wi]!.type, [...rfPtr, "type"], [...wDef, "fields", wi, "type"], name);
    });
    // With matching names, what is left of the resolver's failure lies in a nested type reported where it was met first.
    const sameName = reader.name === writer.name || (reader.aliases ?? []).includes(writer.name ?? "");
    if (w.out.length > before || !problem || sameName) return;
  } else if (reader.typeName === "enum" && writer.typeName === "enum") {
    const rSymbols = (reader as avro.types.EnumType).symbols;
    const missing = (writer as avro.types.EnumType).symbols.filter((s) => !rSymbols.includes(s));
    const hasDefault = isRecord(docValue(w.reader, rDef)) && "default" in (docValue(w.reader, rDef) as Record<string, unknown>);
    if (missing.length > 0 && !hasDefault) {
      const message =
        w.readerSide === "head"
          ? `enum ${reader.name ?? label} lost symbol(s) ${missing.join(", ")}`
          : `enum ${reader.name ?? label} gained symbol(s) ${missing.join(", ")}`;
      report(w, { reader: [...rDef, "symbols"], writer: [...wDef, "symbols"] }, `${reader.name ?? label} symbols ${missing.join(",")}`, message);
      return;
    }
  } else if (isUnion(reader) && isUnion(writer)) {
    // Branches are matched by name; a writer branch no reader branch can take is the break.
    const rTypes = unionTypes(reader);
    unionTypes(writer).forEach((wb, wi) => {
      const ri = rTypes.findIndex((rb) => branchKey(rb) === branchKey(wb));
      if (ri >= 0) {
        compare(w, rTypes[ri]!, wb, [...rPtr, ri], [...wPtr, wi], label);
      } else if (!rTypes.some((rb) => canRead(rb, wb) === undefined)) {
        const message = w.readerSide === "head" ? `${label} no longer accepts ${branchKey(wb)}` : `${label} now allows ${branchKey(wb)}`;
        report(w, { reader: rPtr, writer: [...wPtr, wi] }, `${label} union ${branchKey(wb)}`, message);
      }
    });
    return;
  } else if (reader.typeName === writer.typeName && (reader.typeName === "array" || reader.typeName === "map")) {
    // Arrays compare their items, maps their values.
    const [key, suffix] = reader.typeName === "array" ? (["items", "[]"] as const) : (["values", "{}"] as const);
    const inner = (t: avro.Type) => (t.typeName === "array" ? (t as avro.types.ArrayType).itemsType : (t as avro.types.MapType).valuesType);
    compare(w, inner(reader), inner(writer), [...rPtr, key], [...wPtr, key], `${label}${suffix}`);
    return;
  }
  if (!problem) return;
  const name = reader.name && writer.name && reader.name !== writer.name ? ` (${writer.name} -> ${reader.name})` : "";
  report(w, { reader: rPtr, writer: wPtr }, `${label} type`, `${label}: ${problem}${name}`);
}

function isUnion(type: avro.Type): boolean {
  return type.typeName.startsWith("union");
}

function unionTypes(type: avro.Type): avro.Type[] {
  return (type as unknown as { types: avro.Type[] }).types;
}

function branchKey(type: avro.Type): string {
  return type.name ?? type.typeName;
}

function docValue(schema: AvroSchema, pointer: Pointer): unknown {
  let current: unknown = schema.value;
  for (const key of pointer) {
    if (Array.isArray(current) && typeof key === "number") current = current[key];
    else if (isRecord(current)) current = current[String(key)];
    else return undefined;
  }
  return current;
}

/** Breaks between two versions of one Avro schema under `mode`. */
export function diffAvro(base: AvroSchema, head: AvroSchema, mode: Compatibility): AvroBreak[] {
  const out: AvroBreak[] = [];
  const root = base.type.name ?? head.type.name ?? "(root)";
  if (mode === "backward" || mode === "full") {
    compare({ reader: head, writer: base, readerSide: "head", direction: "backward", out, seen: new Set() }, head.type, base.type, [], [], root);
  }
  if (mode === "forward" || mode === "full") {
    compare({ reader: base, writer: head, readerSide: "base", direction: "forward", out, seen: new Set() }, base.type, head.type, [], [], root);
  }
  return out;
}
