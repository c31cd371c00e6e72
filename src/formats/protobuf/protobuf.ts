/**
 * Protobuf contract diff: what a `.proto` change breaks for existing producers, consumers and clients.
 *
 * Parsing is protobufjs's; protobufjs keeps no source positions, so a second pass over its tokenizer
 * records the line of every declaration (`locateDeclarations`).
 *
 * Checks, with the buf breaking rule each one corresponds to (buf categories FILE ⊃ PACKAGE ⊃ WIRE_JSON ⊃ WIRE):
 *
 * | check                                   | buf rule                                   | level     |
 * |-----------------------------------------|--------------------------------------------|-----------|
 * | package changed                         | FILE_SAME_PACKAGE                          | wire      |
 * | message removed (top-level or nested)   | MESSAGE_NO_DELETE                          | wire      |
 * | field deleted, number not reserved      | FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED     | wire      |
 * | field renumbered (same name, new number)| FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED     | wire      |
 * | field type not wire-compatible          | FIELD_WIRE_COMPATIBLE_TYPE                 | wire      |
 * | message encoding length-prefixed <-> delimited (editions) | FIELD_WIRE_COMPATIBLE_TYPE | wire   |
 * | extension type not wire-compatible      | FIELD_WIRE_COMPATIBLE_TYPE                 | wire      |
 * | repeated <-> singular for packable      | FIELD_WIRE_COMPATIBLE_CARDINALITY          | wire      |
 * | required added / removed (proto2)       | FIELD_SAME_CARDINALITY (required part)     | wire      |
 * | fields joined into one oneof            | FIELD_SAME_ONEOF                           | wire      |
 * | oneof member deleted                    | FIELD_SAME_ONEOF / FIELD_NO_DELETE         | wire      |
 * | enum value deleted, number not reserved | ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED| wire      |
 * | field renamed (JSON name changes)       | FIELD_SAME_JSON_NAME                       | wire-json |
 * | enum value renamed                      | ENUM_VALUE_SAME_NAME                       | wire-json |
 * | enum removed                            | ENUM_NO_DELETE                             | wire-json |
 * | service removed                         | SERVICE_NO_DELETE                          | services  |
 * | rpc removed                             | RPC_NO_DELETE                              | services  |
 * | rpc request / response type changed     | RPC_SAME_REQUEST_TYPE / RPC_SAME_RESPONSE_TYPE | services |
 * | rpc client / server streaming changed   | RPC_SAME_CLIENT_STREAMING / RPC_SAME_SERVER_STREAMING | services |
 *
 * At `wire-json` (the gRPC check's default) the WIRE rules are read as buf reads them: every change of
 * repeatedness (required ↔ optional included) is FIELD_WIRE_COMPATIBLE_CARDINALITY, every move into, out of
 * or between oneofs is FIELD_SAME_ONEOF, bytes → string and an enum swapped for another are
 * FIELD_WIRE_COMPATIBLE_TYPE (buf: another short name is another enum; the same short name passes when every
 * previous value keeps its name and number). `map<K, V>` ↔ `repeated Entry` (key = 1, value = 2) is the same encoding.
 * `diffGeneratedNameOptions` covers buf's FILE_SAME_* options for gRPC's `file` level.
 *
 * Not implemented (FILE-only source-compatibility rules): file options outside the gRPC `file` level,
 * FIELD_SAME_NAME, reserved-range shrinking, field defaults, `optional` presence tracking, extension deletes, proto2
 * groups (protobufjs reads a group as a plain message field), and FIELD_WIRE_JSON_COMPATIBLE_TYPE (wire-compatible
 * types whose JSON differs, e.g. int32 → int64).
 */
import type protobuf from "protobufjs";
import { lazyRequire } from "../../engine/lazy.js";

let protobufjs: typeof protobuf | undefined;
/** protobufjs, loaded on first use. */
const pb = (): typeof protobuf => (protobufjs ??= lazyRequire("protobufjs") as typeof protobuf);

export type ProtoSide = "base" | "head";

export interface ProtoBreak {
  /** The buf breaking rule that covers the same change. */
  rule: string;
  /** The file `line` is in, for schemas parsed from several files (`parseProtoFiles`); absent for one file. */
  file?: string;
  /** The file version `line` refers to: base for things that were removed, head otherwise. */
  side: ProtoSide;
  line: number;
  /** Stable identity of the break (no line numbers), e.g. "Order#3 deleted". */
  key: string;
  message: string;
  /** The message, enum or service the break is in (name relative to the package); absent for file-level breaks. */
  subject?: string;
}

export interface ProtoDiffOptions {
  /**
   * `wire` (default): breaks of the binary encoding, what a Kafka consumer of protobuf events sees.
   * `wire-json`: also breaks of the JSON mapping (renamed fields and enum values, removed enums),
   * what gRPC-JSON transcoding and Connect JSON clients see.
   */
  level?: "wire" | "wire-json";
}

export interface ProtoSchema {
  root: protobuf.Root;
  /** Package of the main file ("" when none). */
  package: string;
  /** Declarations of the main file (imports excluded), by name relative to the package. */
  owned: Set<string>;
  /** Line of each declaration of the main file(s) (see `locateDeclarations` for the keys). */
  lines: Map<string, number>;
  /** For a schema parsed from several files of one package: the file of each declaration key. */
  fileOf: Map<string, string>;
}

export type ProtoParseResult = { ok: true; schema: ProtoSchema } | { ok: false; message: string; line: number; file?: string };

/** A file the main schema imports, to resolve the types it uses (never diffed on its own here). */
export interface ProtoImport {
  name: string;
  text: string;
}

/** Parses one `.proto` text (plus the imports it needs). Never throws: errors carry their line. */
export function parseProto(text: string, imports: readonly ProtoImport[] = []): ProtoParseResult {
  const root = new (pb().Root)();
  let pkg = "";
  try {
    pkg = pb().parse(text, root, { keepCase: true }).package ?? "";
  } catch (error) {
    const message = (error as Error).message;
    const line = /line (\d+)/.exec(message);
    return { ok: false, message: message.replace(/\s*\((?:[^()]*, )?line \d+\)$/, ""), line: line ? Number(line[1]) : 1 };
  }
  const owned = new Set<string>();
  collectOwned(root, pkg, owned);
  for (const imported of imports) {
    try {
      pb().parse(imported.text, root, { keepCase: true });
    } catch {
      // An import that does not parse (or redefines a name) only costs type resolution, reported as "unresolved".
    }
  }
  return { ok: true, schema: { root, package: pkg, owned, lines: locateDeclarations(text), fileOf: new Map() } };
}

/**
 * Parses the files of one package together, so a message moved from one file to another is not a removal
 * (buf compares packages the same way). `imports` only resolve types. Errors name the file.
 */
export function parseProtoFiles(files: readonly ProtoImport[], imports: readonly ProtoImport[] = []): ProtoParseResult {
  const root = new (pb().Root)();
  const owned = new Set<string>();
  const lines = new Map<string, number>();
  const fileOf = new Map<string, string>();
  let pkg: string | undefined;
  for (const file of files) {
    let filePkg = "";
    try {
      filePkg = pb().parse(file.text, root, { keepCase: true }).package ?? "";
    } catch (error) {
      const message = (error as Error).message;
      const line = /line (\d+)/.exec(message);
      return { ok: false, file: file.name, message: message.replace(/\s*\((?:[^()]*, )?line \d+\)$/, ""), line: line ? Number(line[1]) : 1 };
    }
    pkg ??= filePkg;
    for (const [key, line] of locateDeclarations(file.text)) {
      if (lines.has(key)) continue;
      lines.set(key, line);
      fileOf.set(key, file.name);
    }
  }
  collectOwned(root, pkg ?? "", owned);
  for (const imported of imports) {
    try {
      pb().parse(imported.text, root, { keepCase: true });
    } catch {
      // as in parseProto
    }
  }
  return { ok: true, schema: { root, package: pkg ?? "", owned, lines, fileOf } };
}

/** Types declared by a main file (not by its imports): imported types are compared by structure instead. */
const OWNED_TYPES = new WeakSet<protobuf.ReflectionObject>();

function collectOwned(ns: protobuf.NamespaceBase, pkg: string, owned: Set<string>): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof pb().Type || nested instanceof pb().Enum || nested instanceof pb().Service) {
      owned.add(relativeName(nested.fullName, pkg));
      OWNED_TYPES.add(nested);
    }
    if (nested instanceof pb().Namespace || nested instanceof pb().Type) collectOwned(nested, pkg, owned);
  }
}

function relativeName(fullName: string, pkg: string): string {
  const name = fullName.replace(/^\./, "");
  return pkg && name.startsWith(`${pkg}.`) ? name.slice(pkg.length + 1) : name;
}

/**
 * Lines of declarations, from protobufjs's tokenizer. Keys (names relative to the package):
 * `P` package, `T:<Msg.Nested>` message/enum/service, `F:<Msg>#<number>` field, `V:<Enum>.<VALUE>` enum value,
 * `R:<Service>.<rpc>` method, `O:<Msg>.<oneof>` oneof.
 */
export function locateDeclarations(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const tokens: { text: string; line: number; quoted: boolean }[] = [];
  try {
    const tn = pb().tokenize(text, false);
    let quote: string | undefined;
    for (let token = tn.next(); token !== null; token = tn.next()) {
      // Quoted strings come as quote, content, quote: keep the content from being read as syntax.
      if (token === '"' || token === "'") {
        quote = quote === undefined ? token : undefined;
        continue;
      }
      tokens.push({ text: token, line: tn.line, quoted: quote !== undefined });
    }
  } catch {
    // Positions are best effort: the semantic parse has already accepted the text.
  }
  type Scope = { kind: string; name: string; depth: number };
  const scopes: Scope[] = [];
  let depth = 0;
  let pending: Scope | undefined;
  let skipStatement = false;
  let bracket = 0;
  const path = (kinds: string[]) =>
    scopes
      .filter((s) => kinds.includes(s.kind))
      .map((s) => s.name)
      .join(".");
  for (let i = 0; i < tokens.length; i++) {
    const { text: tok, line, quoted } = tokens[i]!;
    if (quoted) continue;
    if (tok === "{") {
      depth++;
      if (pending) scopes.push({ ...pending, depth });
      pending = undefined;
      skipStatement = false;
      continue;
    }
    if (tok === "}") {
      while (scopes.length > 0 && scopes[scopes.length - 1]!.depth >= depth) scopes.pop();
      depth--;
      skipStatement = false;
      continue;
    }
    if (tok === ";") {
      skipStatement = false;
      continue;
    }
    if (tok === "[") bracket++;
    if (tok === "]") bracket--;
    if (skipStatement || bracket > 0) continue;
    const top = scopes[scopes.length - 1];
    const atStatementStart = i === 0 || [";", "{", "}"].includes(tokens[i - 1]!.text);
    if (
      atStatementStart &&
      (tok === "option" || tok === "reserved" || tok === "extensions" || tok === "import" || tok === "syntax" || tok === "edition")
    ) {
      skipStatement = true;
      continue;
    }
    if (atStatementStart && tok === "package" && tokens[i + 1]) {
      lines.set("P", line);
      skipStatement = true;
      continue;
    }
    if (atStatementStart && ["message", "enum", "service", "oneof", "extend"].includes(tok) && tokens[i + 1] && tokens[i + 2]?.text === "{") {
      const name = tokens[i + 1]!;
      if (tok === "oneof") {
        lines.set(`O:${path(["message"])}.${name.text}`, name.line);
      } else if (tok !== "extend") {
        const full = [path(["message", "enum", "service"]), name.text].filter(Boolean).join(".");
        lines.set(`T:${full}`, name.line);
      }
      pending = { kind: tok, name: name.text, depth: 0 };
      i += 1;
      continue;
    }
    if (atStatementStart && tok === "rpc" && top?.kind === "service" && tokens[i + 1]) {
      lines.set(`R:${path(["service"])}.${tokens[i + 1]!.text}`, tokens[i + 1]!.line);
      skipStatement = true;
      continue;
    }
    if (tok === "=" && i > 0 && top && /^-?(0x[0-9a-f]+|\d+)$/i.test(tokens[i + 1]?.text ?? "")) {
      const name = tokens[i - 1]!;
      if (top.kind === "message" || top.kind === "oneof") {
        lines.set(`F:${path(["message"])}#${parseInt(tokens[i + 1]!.text, 10)}`, name.line);
      } else if (top.kind === "enum") {
        lines.set(`V:${path(["message", "enum"])}.${name.text}`, name.line);
      } else if (top.kind === "extend") {
        lines.set(`X:${path(["message"])}>${top.name}#${parseInt(tokens[i + 1]!.text, 10)}`, name.line);
      }
      skipStatement = true;
    }
  }
  return lines;
}

type Named = protobuf.Type | protobuf.Enum | protobuf.Service;

function ownedDeclarations(schema: ProtoSchema): Map<string, Named> {
  const out = new Map<string, Named>();
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof pb().Type || nested instanceof pb().Enum || nested instanceof pb().Service) {
        const name = relativeName(nested.fullName, schema.package);
        if (schema.owned.has(name)) out.set(name, nested);
      }
      if (nested instanceof pb().Namespace || nested instanceof pb().Type) walk(nested);
    }
  };
  walk(schema.root);
  return out;
}

function locationOf(schema: ProtoSchema, ...keys: string[]): { line: number; file?: string } {
  for (const key of keys) {
    const line = schema.lines.get(key);
    if (line !== undefined) return { line, file: schema.fileOf.get(key) };
  }
  return { line: 1 };
}

// ---------------------------------------------------------------------------------------------------
// Field types and wire compatibility

const WIRE_GROUPS: Record<string, string> = {
  int32: "varint",
  int64: "varint",
  uint32: "varint",
  uint64: "varint",
  bool: "varint",
  sint32: "zigzag",
  sint64: "zigzag",
  fixed32: "fixed32",
  sfixed32: "fixed32",
  fixed64: "fixed64",
  sfixed64: "fixed64",
  float: "float",
  double: "double",
  string: "bytes",
  bytes: "bytes",
};

type FieldType =
  | { kind: "scalar"; name: string }
  | { kind: "enum"; name: string; enum: protobuf.Enum }
  | { kind: "message"; name: string; type: protobuf.Type }
  | { kind: "unresolved"; name: string };

function fieldType(field: protobuf.Field, typeName = field.type): FieldType {
  if (typeName in WIRE_GROUPS) return { kind: "scalar", name: typeName };
  const parent = field.parent;
  const found = parent ? parent.lookup(typeName, [pb().Type, pb().Enum]) : null;
  if (found instanceof pb().Type) return { kind: "message", name: found.fullName.replace(/^\./, ""), type: found };
  if (found instanceof pb().Enum) return { kind: "enum", name: found.fullName.replace(/^\./, ""), enum: found };
  return { kind: "unresolved", name: typeName.replace(/^\./, "") };
}

function wireGroup(t: FieldType): string {
  if (t.kind === "scalar") return WIRE_GROUPS[t.name]!;
  if (t.kind === "enum") return "varint";
  return t.kind === "message" ? "message" : `unresolved:${t.name}`;
}

function isPackable(t: FieldType): boolean {
  const group = wireGroup(t);
  return group !== "bytes" && group !== "message" && !group.startsWith("unresolved");
}

/** The JSON name protoc derives (lowerCamelCase of the field name) unless `json_name` sets one. */
function jsonName(field: protobuf.Field): string {
  const explicit = field.options?.json_name;
  if (typeof explicit === "string") return explicit;
  return field.name.replace(/_+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

function realOneof(field: protobuf.Field): string | undefined {
  if (!field.partOf || field.options?.proto3_optional) return undefined;
  return field.partOf.name;
}

function isReservedNumber(reserved: Array<number[] | string> | undefined, n: number): boolean {
  return (reserved ?? []).some((r) => Array.isArray(r) && n >= r[0]! && n <= r[1]!);
}

function describeType(t: FieldType): string {
  return t.kind === "scalar" ? t.name : t.name;
}

/**
 * Why a value written with `base` type cannot be read as `head` type (undefined when it can).
 * Different message types are compared field by field, so a moved or renamed but identical type passes.
 */
function typeIncompatibility(base: FieldType, head: FieldType, seen: Set<string>, level: "wire" | "wire-json"): string | undefined {
  if (base.kind === "message" && head.kind === "message") {
    // Same name declared in this file (also across a package rename): its own changes are judged where it is declared.
    if (OWNED_TYPES.has(base.type) && OWNED_TYPES.has(head.type) && (base.name === head.name || typePath(base.type) === typePath(head.type)))
      return undefined;
    const pair = `${base.name}->${head.name}`;
    if (seen.has(pair)) return undefined;
    seen.add(pair);
    const inner = messageFieldBreaks(base.type, head.type, seen, level);
    if (inner.length === 0) return undefined;
    return base.name === head.name
      ? `imported type ${base.name} changed: ${inner[0]!.message}`
      : `${base.name} and ${head.name} differ: ${inner[0]!.message}`;
  }
  if (base.kind === "unresolved" || head.kind === "unresolved") {
    if (base.name.split(".").at(-1) === head.name.split(".").at(-1) && base.kind === head.kind) return undefined;
    return base.name === head.name ? undefined : `type changed from ${describeType(base)} to ${describeType(head)}`;
  }
  if (wireGroup(base) === wireGroup(head)) return undefined;
  return `type changed from ${describeType(base)} to ${describeType(head)}`;
}

/** A message's name within its package: its own name after those of the messages it is nested in. */
function typePath(type: protobuf.Type | protobuf.Enum): string {
  const names = [type.name];
  for (let parent = type.parent; parent instanceof pb().Type; parent = parent.parent) names.unshift(parent.name);
  return names.join(".");
}

interface RawBreak {
  rule: string;
  side: ProtoSide;
  /** Location key for `lineOf`, in the side's schema. */
  at: string[];
  key: string;
  message: string;
  subject?: string;
}

/** Field-level breaks between two versions of one message (numbers are the identity on the wire). */
function messageFieldBreaks(
  base: protobuf.Type,
  head: protobuf.Type,
  seen: Set<string>,
  level: "wire" | "wire-json",
  baseName = "",
  headName = "",
): RawBreak[] {
  const breaks: RawBreak[] = [];
  const headByNumber = new Map(head.fieldsArray.map((f) => [f.id, f]));
  const baseByNumber = new Map(base.fieldsArray.map((f) => [f.id, f]));
  const headByName = new Map(head.fieldsArray.map((f) => [f.name, f]));
  const label = (msg: string, f: protobuf.Field) => `${msg}.${f.name} (${f.id})`;

  for (const bf of base.fieldsArray) {
    // Extensions (protobufjs lists them as fields of the extended message) are not compared.
    if (bf.name.startsWith(".")) continue;
    const hf = headByNumber.get(bf.id);
    const where = label(baseName || base.name, bf);
    if (!hf) {
      const renumbered = headByName.get(bf.name);
      if (renumbered && !baseByNumber.has(renumbered.id)) {
        breaks.push({
          rule: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
          side: "head",
          at: [`F:${headName}#${renumbered.id}`],
          key: `${baseName}#${bf.id} renumbered`,
          message: `field ${where} was renumbered to ${renumbered.id}: data written with number ${bf.id} is no longer read`,
        });
      } else if (realOneof(bf)) {
        breaks.push({
          rule: "FIELD_SAME_ONEOF",
          side: "base",
          at: [`F:${baseName}#${bf.id}`],
          key: `${baseName}#${bf.id} deleted`,
          message: `field ${where} was deleted from oneof ${realOneof(bf)}`,
        });
      } else if (isRequired(bf)) {
        breaks.push({
          rule: "FIELD_SAME_CARDINALITY",
          side: "base",
          at: [`F:${baseName}#${bf.id}`],
          key: `${baseName}#${bf.id} deleted`,
          message: `required field ${where} was deleted: readers that require it reject new messages`,
        });
      } else if (!isReservedNumber(head.reserved, bf.id)) {
        breaks.push({
          rule: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
          side: "base",
          at: [`F:${baseName}#${bf.id}`],
          key: `${baseName}#${bf.id} deleted`,
          message: `field ${where} was deleted without reserving number ${bf.id}`,
        });
      }
      continue;
    }
    const hwhere = label(headName || head.name, hf);
    const at = [`F:${headName}#${hf.id}`];
    const bt = fieldType(bf);
    const ht = fieldType(hf);
    const bMap = bf instanceof pb().MapField;
    const hMap = hf instanceof pb().MapField;
    // buf's readings (the gRPC check's wire-json level): every change of repeatedness, oneof membership,
    // bytes read as string, and an enum swapped for one with other values break clients.
    // map<K, V> and `repeated Entry` with key = 1 and value = 2 are the same on the wire.
    const entryLike = (f: protobuf.Field) => {
      const t = fieldType(f);
      return t.kind === "message" && t.type.fieldsArray.length === 2 && t.type.fields.key?.id === 1 && t.type.fields.value?.id === 2;
    };
    const mapAsEntries = (bMap && hf.rule === "repeated" && entryLike(hf)) || (hMap && bf.rule === "repeated" && entryLike(bf));
    const strict = level === "wire-json";
    if (strict) {
      const bRepeated = bf.rule === "repeated" || bMap;
      const hRepeated = hf.rule === "repeated" || hMap;
      if (bRepeated !== hRepeated || (bMap !== hMap && !mapAsEntries)) {
        breaks.push({
          rule: "FIELD_WIRE_COMPATIBLE_CARDINALITY",
          side: "head",
          at,
          key: `${headName}#${hf.id} cardinality`,
          message: `field ${hwhere} changed from ${bMap ? "map" : bRepeated ? "repeated" : "singular"} to ${hMap ? "map" : hRepeated ? "repeated" : "singular"}`,
        });
        continue;
      }
      if (realOneof(bf) !== realOneof(hf)) {
        const where = (o: string | undefined) => (o ? `oneof ${o}` : "no oneof");
        breaks.push({
          rule: "FIELD_SAME_ONEOF",
          side: "head",
          at,
          key: `${headName}#${hf.id} oneof`,
          message: `field ${hwhere} moved from ${where(realOneof(bf))} to ${where(realOneof(hf))}: setting it now clears (or no longer clears) the other members`,
        });
      }
      if (!mapAsEntries) {
        const bt2 = fieldType(bf);
        const ht2 = fieldType(hf);
        let strictReason: string | undefined;
        if (bt2.kind === "scalar" && ht2.kind === "scalar" && bt2.name === "bytes" && ht2.name === "string")
          strictReason = "type changed from bytes to string (bytes that are not UTF-8 no longer parse)";
        // An enum of this schema keeps its name across a package rename: its values are judged where it is declared.
        const sameOwnedEnum =
          bt2.kind === "enum" &&
          ht2.kind === "enum" &&
          OWNED_TYPES.has(bt2.enum) &&
          OWNED_TYPES.has(ht2.enum) &&
          typePath(bt2.enum) === typePath(ht2.enum);
        if (bt2.kind === "enum" && ht2.kind === "enum" && bt2.name !== ht2.name && !sameOwnedEnum) strictReason = enumSwapReason(bt2, ht2);
        if (strictReason) {
          breaks.push({
            rule: "FIELD_WIRE_COMPATIBLE_TYPE",
            side: "head",
            at,
            key: `${headName}#${hf.id} type`,
            message: `field ${hwhere}: ${strictReason}`,
          });
          continue;
        }
      }
      if (mapAsEntries) continue;
    }
    if (mapAsEntries) continue;
    if (bMap !== hMap) {
      breaks.push({
        rule: "FIELD_WIRE_COMPATIBLE_TYPE",
        side: "head",
        at,
        key: `${headName}#${hf.id} type`,
        message: `field ${hwhere} changed between map and non-map`,
      });
      continue;
    }
    let reason = typeIncompatibility(bt, ht, seen, level) ?? encodingChange(bf, hf);
    if (!reason && bMap && hMap) {
      const bk = (bf as protobuf.MapField).keyType;
      const hk = (hf as protobuf.MapField).keyType;
      if (WIRE_GROUPS[bk] !== WIRE_GROUPS[hk]) reason = `map key type changed from ${bk} to ${hk}`;
    }
    if (reason) {
      breaks.push({ rule: "FIELD_WIRE_COMPATIBLE_TYPE", side: "head", at, key: `${headName}#${hf.id} type`, message: `field ${hwhere}: ${reason}` });
      continue;
    }
    const bRepeated = bf.rule === "repeated" || bMap;
    const hRepeated = hf.rule === "repeated" || hMap;
    if (bRepeated !== hRepeated && isPackable(ht)) {
      breaks.push({
        rule: "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        side: "head",
        at,
        key: `${headName}#${hf.id} cardinality`,
        message: `field ${hwhere} changed from ${bRepeated ? "repeated" : "singular"} to ${hRepeated ? "repeated" : "singular"} (packed and unpacked encodings differ)`,
      });
    } else if (isRequired(bf) !== isRequired(hf)) {
      breaks.push({
        // buf counts required ↔ optional among the wire cardinality changes.
        rule: level === "wire-json" ? "FIELD_WIRE_COMPATIBLE_CARDINALITY" : "FIELD_SAME_CARDINALITY",
        side: "head",
        at,
        key: `${headName}#${hf.id} required`,
        message: `field ${hwhere} ${isRequired(hf) ? "became required" : "is no longer required"}`,
      });
    }
    if (level === "wire-json" && jsonName(bf) !== jsonName(hf)) {
      breaks.push({
        rule: "FIELD_SAME_JSON_NAME",
        side: "head",
        at,
        key: `${headName}#${hf.id} name`,
        message: `field ${hwhere}: its JSON name changed from ${jsonName(bf)} to ${jsonName(hf)}`,
      });
    }
  }

  for (const hf of head.fieldsArray) {
    if (!baseByNumber.has(hf.id) && isRequired(hf)) {
      breaks.push({
        rule: "FIELD_SAME_CARDINALITY",
        side: "head",
        at: [`F:${headName}#${hf.id}`],
        key: `${headName}#${hf.id} required added`,
        message: `required field ${label(headName || head.name, hf)} was added: messages written before lack it`,
      });
    }
  }

  // Oneofs: two fields that could both be set before must not end up in one oneof (one of them would be dropped).
  // At wire-json level every move is already a break of its own.
  for (const oneof of level === "wire-json" ? [] : head.oneofsArray) {
    if (oneof.fieldsArray.some((f) => f.options?.proto3_optional)) continue;
    const members = oneof.fieldsArray.filter((f) => baseByNumber.has(f.id));
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = realOneof(baseByNumber.get(members[i]!.id)!);
        const b = realOneof(baseByNumber.get(members[j]!.id)!);
        if (a !== undefined && a === b) continue;
        const moved = a === undefined || a !== b ? members[j]! : members[i]!;
        breaks.push({
          rule: "FIELD_SAME_ONEOF",
          side: "head",
          at: [`F:${headName}#${moved.id}`, `O:${headName}.${oneof.name}`],
          key: `${headName}.${oneof.name} joins ${members[i]!.id},${members[j]!.id}`,
          message: `oneof ${oneof.name} now holds fields ${members[i]!.name} (${members[i]!.id}) and ${members[j]!.name} (${members[j]!.id}) that could both be set before`,
        });
        i = members.length; // one break per oneof is enough
        break;
      }
    }
  }
  return breaks;
}

function resolveBreaks(raw: RawBreak[], base: ProtoSchema, head: ProtoSchema): ProtoBreak[] {
  return raw.map((r) => {
    const { line, file } = locationOf(r.side === "base" ? base : head, ...r.at);
    const located: ProtoBreak = { rule: r.rule, side: r.side, line, key: r.key, message: r.message };
    if (file !== undefined) located.file = file;
    if (r.subject !== undefined) located.subject = r.subject;
    return located;
  });
}

function asSchema(input: ProtoSchema | string): ProtoSchema {
  if (typeof input !== "string") return input;
  const parsed = parseProto(input);
  if (!parsed.ok) throw new Error(`line ${parsed.line}: ${parsed.message}`);
  return parsed.schema;
}

/**
 * Message and enum breaks between two versions of a `.proto` file. Definitions are matched by name relative
 * to the package, so a package rename is one break (FILE_SAME_PACKAGE) rather than one per message.
 * Accepts parsed schemas, or texts (which then must parse).
 */
export function diffProtoMessages(baseInput: ProtoSchema | string, headInput: ProtoSchema | string, options: ProtoDiffOptions = {}): ProtoBreak[] {
  const base = asSchema(baseInput);
  const head = asSchema(headInput);
  const level = options.level ?? "wire";
  const raw: RawBreak[] = [];
  if (base.package !== head.package) {
    raw.push({
      rule: "FILE_SAME_PACKAGE",
      side: "head",
      at: ["P"],
      key: "package",
      message: `package changed from ${base.package || "(none)"} to ${head.package || "(none)"}: every fully-qualified type name changes`,
    });
  }
  const baseDecls = ownedDeclarations(base);
  const headDecls = ownedDeclarations(head);
  const removedMessages = [...baseDecls].filter(([name, d]) => d instanceof pb().Type && !(headDecls.get(name) instanceof pb().Type));
  const addedMessages = [...headDecls].filter(([name, d]) => d instanceof pb().Type && !(baseDecls.get(name) instanceof pb().Type));
  for (const [name, decl] of baseDecls) {
    const after = headDecls.get(name);
    // A declaration nested in a removed message goes with it: one break for the parent is enough.
    const parent = name.split(".").slice(0, -1).join(".");
    if (parent && baseDecls.get(parent) instanceof pb().Type && !(headDecls.get(parent) instanceof pb().Type)) continue;
    if (decl instanceof pb().Type) {
      if (after instanceof pb().Type) {
        raw.push(...messageFieldBreaks(decl, after, new Set(), level, name, name).map((b) => ({ ...b, subject: name })));
        continue;
      }
      // A removed message whose twin (same fields) was added elsewhere was renamed or moved.
      const twin = addedMessages.find(
        ([, added]) =>
          messageFieldBreaks(decl, added as protobuf.Type, new Set(), level).length === 0 && sameFieldNumbers(decl, added as protobuf.Type),
      );
      if (removedMessages.length > 0 && twin) {
        raw.push({
          rule: "MESSAGE_NO_DELETE",
          side: "base",
          at: [`T:${name}`],
          key: `${name} removed`,
          message: `message ${name} was renamed or moved to ${twin[0]}: its full name changes`,
          subject: name,
        });
      } else {
        raw.push({
          rule: "MESSAGE_NO_DELETE",
          side: "base",
          at: [`T:${name}`],
          key: `${name} removed`,
          message: `message ${name} was removed`,
          subject: name,
        });
      }
    } else if (decl instanceof pb().Enum) {
      if (after instanceof pb().Enum) {
        raw.push(...enumBreaks(decl, after, name, level).map((b) => ({ ...b, subject: name })));
      } else if (level === "wire-json") {
        raw.push({
          rule: "ENUM_NO_DELETE",
          side: "base",
          at: [`T:${name}`],
          key: `${name} removed`,
          message: `enum ${name} was removed`,
          subject: name,
        });
      }
    }
  }
  raw.push(...extensionBreaks(base, head, level));
  return resolveBreaks(raw, base, head);
}

interface ExtensionDecl {
  field: protobuf.Field;
  /** Location key of its declaration (see locateDeclarations). */
  at: string;
}

/** Extensions declared in the schema, by extended message and number (how the wire identifies them). */
function extensionsOf(schema: ProtoSchema): Map<string, ExtensionDecl> {
  const out = new Map<string, ExtensionDecl>();
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof pb().Field && typeof nested.extend === "string") {
        const target = ns.lookup(nested.extend, [pb().Type]);
        const extendee = (target?.fullName ?? nested.extend).replace(/^\./, "");
        const scope = ns instanceof pb().Type ? typePath(ns) : "";
        out.set(`${extendee}#${nested.id}`, { field: nested, at: `X:${scope}>${nested.extend}#${nested.id}` });
      }
      if (nested instanceof pb().Namespace || nested instanceof pb().Type) walk(nested);
    }
  };
  walk(schema.root);
  return out;
}

/** proto2 `required`, or editions' `features.field_presence = LEGACY_REQUIRED` (the same on the wire). */
function isRequired(field: protobuf.Field): boolean {
  if (field.rule === "required") return true;
  const presence = (field.options?.features as { field_presence?: string } | undefined)?.field_presence ?? field.options?.["features.field_presence"];
  return presence === "LEGACY_REQUIRED";
}

/**
 * An extension whose type changed so that values written before no longer read (FIELD_WIRE_COMPATIBLE_TYPE), or
 * that became repeated or singular (FIELD_WIRE_COMPATIBLE_CARDINALITY: every such change at wire-json, as buf
 * reads it; at wire level only for packable types, whose packed and unpacked encodings differ).
 */
function extensionBreaks(base: ProtoSchema, head: ProtoSchema, level: "wire" | "wire-json"): RawBreak[] {
  const breaks: RawBreak[] = [];
  const headExtensions = extensionsOf(head);
  for (const [key, b] of extensionsOf(base)) {
    const h = headExtensions.get(key);
    if (!h) continue;
    const bt = fieldType(b.field);
    const ht = fieldType(h.field);
    let reason = typeIncompatibility(bt, ht, new Set(), level) ?? encodingChange(b.field, h.field);
    if (!reason && level === "wire-json") {
      if (bt.kind === "scalar" && ht.kind === "scalar" && bt.name === "bytes" && ht.name === "string") reason = "type changed from bytes to string";
      else if (bt.kind === "enum" && ht.kind === "enum" && bt.name !== ht.name) reason = enumSwapReason(bt, ht);
    }
    const name = h.field.name.replace(/^\./, "");
    if (reason) {
      breaks.push({
        rule: "FIELD_WIRE_COMPATIBLE_TYPE",
        side: "head",
        at: [h.at],
        key: `${key} type`,
        message: `extension ${name} (${h.field.id}): ${reason}`,
      });
      continue;
    }
    const bRepeated = b.field.rule === "repeated";
    const hRepeated = h.field.rule === "repeated";
    if (bRepeated !== hRepeated && (level === "wire-json" || isPackable(ht))) {
      const card = (repeated: boolean) => (repeated ? "repeated" : "singular");
      breaks.push({
        rule: "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        side: "head",
        at: [h.at],
        key: `${key} cardinality`,
        message: `extension ${name} (${h.field.id}) changed from ${card(bRepeated)} to ${card(hRepeated)}`,
      });
    }
  }
  return breaks;
}

/**
 * buf's reading of an enum field given another enum type (FIELD_WIRE_COMPATIBLE_TYPE): another short name is
 * another enum; the same short name is compatible when every previous value keeps its name and number
 * (values may be added in the same change).
 */
function enumSwapReason(base: Extract<FieldType, { kind: "enum" }>, head: Extract<FieldType, { kind: "enum" }>): string | undefined {
  if (base.enum.name !== head.enum.name) return `enum type changed from ${base.name} to ${head.name}`;
  const kept = Object.entries(base.enum.values).every(([name, n]) => head.enum.values[name] === n);
  return kept ? undefined : `enum type changed from ${base.name} to ${head.name}, whose values differ`;
}

/** A message field written length-prefixed read as delimited (proto2 groups, editions `message_encoding = DELIMITED`), or back. */
function encodingChange(base: protobuf.Field, head: protobuf.Field): string | undefined {
  // `features.message_encoding` on the field, else inherited from the enclosing messages and the file (editions);
  // protobufjs resolves features only in resolveAll(), so they are read from the options here.
  const delimited = (f: protobuf.Field) => {
    if (fieldType(f).kind !== "message") return false;
    for (let o: protobuf.ReflectionObject | null = f; o; o = o.parent) {
      const encoding =
        (o.options?.features as { message_encoding?: string } | undefined)?.message_encoding ?? o.options?.["features.message_encoding"];
      if (encoding !== undefined) return encoding === "DELIMITED";
    }
    return false;
  };
  if (delimited(base) === delimited(head)) return undefined;
  const name = (f: protobuf.Field) => (delimited(f) ? "delimited" : "length-prefixed");
  return `message encoding changed from ${name(base)} to ${name(head)}`;
}

function sameFieldNumbers(a: protobuf.Type, b: protobuf.Type): boolean {
  const ids = (t: protobuf.Type) =>
    t.fieldsArray
      .map((f) => f.id)
      .sort((x, y) => x - y)
      .join(",");
  return ids(a) === ids(b);
}

function enumBreaks(base: protobuf.Enum, head: protobuf.Enum, name: string, level: "wire" | "wire-json"): RawBreak[] {
  const breaks: RawBreak[] = [];
  const headNumbers = new Map<number, string[]>();
  for (const [valueName, n] of Object.entries(head.values)) headNumbers.set(n, [...(headNumbers.get(n) ?? []), valueName]);
  const deleted = new Set<number>();
  const renamed = new Set<number>();
  for (const [valueName, n] of Object.entries(base.values)) {
    const now = headNumbers.get(n);
    if (!now) {
      // Aliases (allow_alias) share a number: one deletion per number.
      if (!isReservedNumber(head.reserved, n) && !deleted.has(n)) {
        deleted.add(n);
        breaks.push({
          rule: "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
          side: "base",
          at: [`V:${name}.${valueName}`, `T:${name}`],
          key: `${name}.${n} deleted`,
          message: `enum value ${name}.${valueName} (${n}) was deleted without reserving number ${n}`,
        });
      }
    } else if (level === "wire-json" && !now.includes(valueName) && !renamed.has(n)) {
      renamed.add(n);
      // Every name the number has now is reported (with aliases, as buf does): JSON readers knew another set.
      for (const current of now) {
        breaks.push({
          rule: "ENUM_VALUE_SAME_NAME",
          side: "head",
          at: [`V:${name}.${current}`, `T:${name}`],
          key: `${name}.${n} renamed${now.length > 1 ? ` ${current}` : ""}`,
          message: `enum value ${name}.${valueName} (${n}) was renamed to ${current}: its JSON name changes`,
        });
      }
    }
  }
  return breaks;
}

/** Service breaks: removed services and RPCs, changed request/response types and streaming. */
export function diffProtoServices(baseInput: ProtoSchema | string, headInput: ProtoSchema | string): ProtoBreak[] {
  const base = asSchema(baseInput);
  const head = asSchema(headInput);
  const raw: RawBreak[] = [];
  const baseDecls = ownedDeclarations(base);
  const headDecls = ownedDeclarations(head);
  const typeName = (schema: ProtoSchema, method: protobuf.Method, name: string) => {
    const found = method.parent?.lookup(name, [pb().Type]);
    return found ? relativeName(found.fullName, schema.package) : name.replace(/^\./, "");
  };
  for (const [name, decl] of baseDecls) {
    if (!(decl instanceof pb().Service)) continue;
    const after = headDecls.get(name);
    if (!(after instanceof pb().Service)) {
      raw.push({ rule: "SERVICE_NO_DELETE", side: "base", at: [`T:${name}`], key: `${name} removed`, message: `service ${name} was removed` });
      continue;
    }
    for (const method of decl.methodsArray) {
      const now = after.methods[method.name];
      const rpc = `${name}.${method.name}`;
      if (!now) {
        raw.push({ rule: "RPC_NO_DELETE", side: "base", at: [`R:${rpc}`], key: `${rpc} removed`, message: `rpc ${rpc} was removed` });
        continue;
      }
      const at = [`R:${rpc}`];
      const checks: Array<[string, string, string, string]> = [
        ["RPC_SAME_REQUEST_TYPE", "request type", typeName(base, method, method.requestType), typeName(head, now, now.requestType)],
        ["RPC_SAME_RESPONSE_TYPE", "response type", typeName(base, method, method.responseType), typeName(head, now, now.responseType)],
        ["RPC_SAME_CLIENT_STREAMING", "client streaming", String(Boolean(method.requestStream)), String(Boolean(now.requestStream))],
        ["RPC_SAME_SERVER_STREAMING", "server streaming", String(Boolean(method.responseStream)), String(Boolean(now.responseStream))],
      ];
      for (const [rule, what, before, afterValue] of checks) {
        if (before !== afterValue) {
          raw.push({ rule, side: "head", at, key: `${rpc} ${what}`, message: `rpc ${rpc} ${what} changed from ${before} to ${afterValue}` });
        }
      }
    }
  }
  return resolveBreaks(raw, base, head);
}

// ---------------------------------------------------------------------------------------------------
// gRPC: what the services' RPCs carry

/**
 * Messages and enums reachable from the RPCs of the schema's own services (request and response types,
 * then every field's message or enum type, map values included), by name relative to the package. Types
 * declared in imports are followed too; only owned ones can be diffed by name.
 */
export function reachableFromServices(schema: ProtoSchema): Set<string> {
  const out = new Set<string>();
  const queue: protobuf.Type[] = [];
  const visit = (found: protobuf.ReflectionObject | null) => {
    if (!found) return;
    const name = relativeName(found.fullName, schema.package);
    if (out.has(name)) return;
    if (found instanceof pb().Enum) out.add(name);
    if (found instanceof pb().Type) {
      out.add(name);
      queue.push(found);
    }
  };
  for (const decl of ownedDeclarations(schema).values()) {
    if (!(decl instanceof pb().Service)) continue;
    for (const method of decl.methodsArray) {
      visit(decl.lookup(method.requestType, [pb().Type]));
      visit(decl.lookup(method.responseType, [pb().Type]));
    }
  }
  while (queue.length > 0) {
    const type = queue.pop()!;
    for (const field of type.fieldsArray) {
      const found = field.parent?.lookup(field.type, [pb().Type, pb().Enum]) ?? null;
      visit(found);
    }
  }
  return out;
}

/** File options that name generated code (buf's FILE_SAME_* rules): changing one renames classes, packages or namespaces. */
const GENERATED_NAME_OPTIONS: Record<string, string> = {
  go_package: "FILE_SAME_GO_PACKAGE",
  java_package: "FILE_SAME_JAVA_PACKAGE",
  java_outer_classname: "FILE_SAME_JAVA_OUTER_CLASSNAME",
  java_multiple_files: "FILE_SAME_JAVA_MULTIPLE_FILES",
  csharp_namespace: "FILE_SAME_CSHARP_NAMESPACE",
  objc_class_prefix: "FILE_SAME_OBJC_CLASS_PREFIX",
  php_namespace: "FILE_SAME_PHP_NAMESPACE",
  php_class_prefix: "FILE_SAME_PHP_CLASS_PREFIX",
  php_metadata_namespace: "FILE_SAME_PHP_METADATA_NAMESPACE",
  ruby_package: "FILE_SAME_RUBY_PACKAGE",
  swift_prefix: "FILE_SAME_SWIFT_PREFIX",
  optimize_for: "FILE_SAME_OPTIMIZE_FOR",
  cc_generic_services: "FILE_SAME_CC_GENERIC_SERVICES",
  java_generic_services: "FILE_SAME_JAVA_GENERIC_SERVICES",
  py_generic_services: "FILE_SAME_PY_GENERIC_SERVICES",
  cc_enable_arenas: "FILE_SAME_CC_ENABLE_ARENAS",
};

/** Top-level `option name = value;` statements of a .proto text, with their lines (comments and strings skipped). */
export function fileOptions(text: string): Map<string, { value: string; line: number }> {
  const out = new Map<string, { value: string; line: number }>();
  let depth = 0;
  let line = 1;
  let statement = "";
  let statementLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      line++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (let k = i; k < stop; k++) if (text[k] === "\n") line++;
      i = stop - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      statement += text.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") depth--;
    if (c === ";" || c === "{" || c === "}") {
      const m = depth === 0 && c === ";" ? /^\s*option\s+(\w+)\s*=\s*([\s\S]+?)\s*$/.exec(statement) : null;
      if (m) out.set(m[1]!, { value: m[2]!.replace(/^["']|["']$/g, ""), line: statementLine });
      statement = "";
      continue;
    }
    if (!statement.trim() && !/\s/.test(c)) statementLine = line;
    statement += c;
  }
  return out;
}

/** Changed file options that name generated code (FILE level): one break per option, at its head line (base when removed). */
export function diffGeneratedNameOptions(baseText: string, headText: string): ProtoBreak[] {
  const before = fileOptions(baseText);
  const after = fileOptions(headText);
  const out: ProtoBreak[] = [];
  for (const [name, rule] of Object.entries(GENERATED_NAME_OPTIONS)) {
    const b = before.get(name);
    const h = after.get(name);
    if ((b?.value ?? "") === (h?.value ?? "")) continue;
    out.push({
      rule,
      side: h ? "head" : "base",
      line: (h ?? b)!.line,
      key: `option ${name}`,
      message: `file option ${name} changed from ${b ? JSON.stringify(b.value) : "(unset)"} to ${h ? JSON.stringify(h.value) : "(unset)"}: generated code changes its names`,
    });
  }
  return out;
}
