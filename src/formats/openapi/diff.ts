import { isRecord } from "../../engine/structured.js";
import { compareSchemas, type SchemaChange, type SchemaComparison, type Typing } from "../json-schema/compare.js";
import { type SpecDocument, type SpecNode, unchangedNodes } from "../refs/spec-document.js";
import { operationsOf, operationUnchanged, type OperationModel, type ParameterModel, type ResponseModel } from "./spec.js";

/** One way the head spec breaks clients of the base spec. */
export interface ApiBreak {
  /** Which spec the line belongs to: the head spec, or the base spec for things that were removed. */
  side: "base" | "head";
  file: string;
  line: number;
  /** The operation, e.g. `DELETE /pets/{id}`. */
  operation: string;
  /** What changed, without the operation, e.g. `request property 'name' became required`. */
  what: string;
  /** Version segment of the operation's path (`v1`), used to see whether a new major path set exists. */
  pathVersion?: number;
  /** A change that may break some clients (oasdiff's WARN level): reported as a warning, never an error. */
  advisory?: boolean;
}

/**
 * Schemas are compared in one of two directions. A request schema must still accept everything it
 * accepted before (narrowing breaks senders); a response schema must not produce anything it did not
 * produce before (widening breaks readers).
 */
type Direction = "request" | "response";

interface DiffState {
  base: SpecDocument;
  head: SpecDocument;
  out: ApiBreak[];
  operation: OperationModel;
  visited: Set<string>;
  /** Results of schema comparisons, shared by every operation that uses the same schemas. */
  memo: Map<string, Omit<ApiBreak, "operation" | "pathVersion">[]>;
}

const VERSION_SEGMENT = /^v(\d+)(?:[._-]\w+)?$/i;

export function pathMajorVersion(path: string): number | undefined {
  for (const segment of path.split("/")) {
    const m = VERSION_SEGMENT.exec(segment);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Every breaking difference between two versions of one spec. */
export function diffSpecs(base: SpecDocument, head: SpecDocument): ApiBreak[] {
  const out: ApiBreak[] = [];
  const baseOps = operationsOf(base);
  const headOps = operationsOf(head);
  const headPaths = new Set([...headOps.values()].map((op) => op.matchKey.split(" ")[1]));
  const memo: DiffState["memo"] = new Map();
  for (const [key, before] of baseOps) {
    const after = headOps.get(key);
    const state: DiffState = { base, head, out, operation: before, visited: new Set(), memo };
    if (!after) {
      const pathGone = !headPaths.has(key.split(" ")[1]);
      // Removing an operation that was deprecated first is the agreed way to retire it, once its sunset date (if any) has passed.
      if (before.deprecated) {
        const sunset = futureSunset(before.value) ?? futureSunset(before.pathNode.value);
        if (sunset) emit(state, "base", before.node, `removed before its sunset date ${sunset}`);
        continue;
      }
      emit(state, "base", before.node, before.webhook ? "webhook removed" : pathGone ? "removed (the whole path is gone)" : "removed");
      continue;
    }
    state.operation = after;
    if (operationUnchanged(base, head, before, after)) continue;
    const sunsetBefore = sunsetOf(before.value);
    const sunsetAfter = sunsetOf(after.value);
    if (sunsetBefore && sunsetAfter && sunsetAfter.time < sunsetBefore.time) {
      emit(
        state,
        "head",
        state.head.child(after.node, "x-sunset") ?? after.node,
        `sunset date moved earlier, from ${sunsetBefore.text} to ${sunsetAfter.text}`,
      );
    }
    diffParameters(state, before, after);
    diffRequestBody(state, before, after);
    diffResponses(state, before, after);
  }
  return out;
}

/** The `x-sunset` date of an element (oasdiff's convention for announced removals). */
function sunsetOf(value: unknown): { text: string; time: number } | undefined {
  if (!isRecord(value)) return undefined;
  const raw = value["x-sunset"];
  const text = raw instanceof Date ? raw.toISOString().slice(0, 10) : typeof raw === "string" ? raw : undefined;
  if (!text) return undefined;
  const time = Date.parse(text);
  return Number.isFinite(time) ? { text, time } : undefined;
}

/** The `x-sunset` date of a deprecated element when it is still in the future. */
function futureSunset(value: unknown): string | undefined {
  const sunset = sunsetOf(value);
  return sunset && sunset.time > Date.now() ? sunset.text : undefined;
}

/**
 * An operation published as `x-stability-level: draft` or `alpha` promises no compatibility: oasdiff's
 * full checker reports nothing breaking on it, so its breaks are warnings here.
 */
export function isUnstable(operation: Record<string, unknown>): boolean {
  const level = operation["x-stability-level"];
  return level === "draft" || level === "alpha";
}

function emit(state: DiffState, side: "base" | "head", node: SpecNode, what: string, warning = false): void {
  state.out.push(apiBreakAt(state, side, node, what, warning));
}

function apiBreakAt(state: DiffState, side: "base" | "head", node: SpecNode, what: string, warning: boolean): ApiBreak {
  const spec = side === "base" ? state.base : state.head;
  const advisory = warning || isUnstable(state.operation.value);
  return {
    side,
    file: node.loc.file,
    line: spec.lineOf(node.loc),
    operation: state.operation.label,
    what,
    pathVersion: pathMajorVersion(state.operation.path),
    ...(advisory ? { advisory: true } : {}),
  };
}

function describeParam(p: ParameterModel): string {
  return `${p.in} parameter '${p.name}'`;
}

/** Path parameters are matched by position: renaming `{id}` to `{petId}` changes nothing for clients. */
function pathParamOrder(op: OperationModel): string[] {
  return [...op.path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!);
}

function diffParameters(state: DiffState, before: OperationModel, after: OperationModel): void {
  const afterPathOrder = pathParamOrder(after);
  const beforePathOrder = pathParamOrder(before);
  const matched = new Set<string>();
  for (const [key, p] of before.params) {
    let q: ParameterModel | undefined = after.params.get(key);
    if (!q && p.in === "path") {
      const index = beforePathOrder.indexOf(p.name);
      const renamed = index >= 0 ? afterPathOrder[index] : undefined;
      q = renamed !== undefined ? after.params.get(`path:${renamed}`) : undefined;
    }
    if (!q) {
      if (p.in === "path") continue;
      const moved = [...after.params.values()].find((c) => c.name.toLowerCase() === p.name.toLowerCase() && c.in !== p.in);
      if (moved) {
        matched.add(`${moved.in}:${moved.in === "header" ? moved.name.toLowerCase() : moved.name}`);
        emit(state, "head", moved.node, `${describeParam(p)} moved from ${p.in} to ${moved.in}`);
      } else if (!isRecord(p.node.value) || p.node.value.deprecated !== true) {
        // oasdiff: request-parameter-removed is a WARN (servers usually ignore a parameter they no longer read).
        emit(state, "base", p.node, `${describeParam(p)} removed`, true);
      } else {
        const sunset = futureSunset(p.node.value);
        if (sunset) emit(state, "base", p.node, `${describeParam(p)} removed before its sunset date ${sunset}`);
      }
      continue;
    }
    matched.add(`${q.in}:${q.in === "header" ? q.name.toLowerCase() : q.name}`);
    if (q.required && !p.required) emit(state, "head", q.node, `${describeParam(q)} became required`);
    const baseDefault = defaultOf(p);
    const headDefault = defaultOf(q);
    if (baseDefault !== undefined && JSON.stringify(baseDefault) !== JSON.stringify(headDefault)) {
      emit(
        state,
        "head",
        q.schema ?? q.node,
        headDefault === undefined
          ? `${describeParam(q)} default ${JSON.stringify(baseDefault)} removed`
          : `${describeParam(q)} default changed from ${JSON.stringify(baseDefault)} to ${JSON.stringify(headDefault)}`,
      );
    }
    compareSchema(state, p.schema, singleValueView(state, p, q), "request", describeParam(q), "");
  }
  for (const [key, q] of after.params) {
    if (before.params.has(key) || matched.has(key) || q.in === "path") continue;
    if (q.required) emit(state, "head", q.node, `new required ${describeParam(q)}`);
  }
}

/**
 * A query or header parameter that becomes an array still accepts one value written the old way
 * (`?tag=a` is a one-element array in the default `form` style), so compare the old scalar with the items.
 */
function singleValueView(state: DiffState, p: ParameterModel, q: ParameterModel): SpecNode | undefined {
  const head = state.head;
  if (!q.schema || !p.schema || (q.in !== "query" && q.in !== "header")) return q.schema;
  const before = state.base.deref(p.schema).value;
  const after = head.deref(q.schema).value;
  const isArray = (v: unknown) => isRecord(v) && (v.type === "array" || (Array.isArray(v.type) && v.type.includes("array")));
  if (!isArray(after) || isArray(before)) return q.schema;
  return head.child(q.schema, "items") ?? q.schema;
}

function defaultOf(p: ParameterModel): unknown {
  const schema = p.schema ? p.schema.value : undefined;
  if (isRecord(schema) && schema.default !== undefined) return schema.default;
  return isRecord(p.node.value) ? p.node.value.default : undefined;
}

function diffRequestBody(state: DiffState, before: OperationModel, after: OperationModel): void {
  const b = before.requestBody;
  const h = after.requestBody;
  if (!b && !h) return;
  if (b && !h) {
    emit(state, "base", b.node, "request body removed");
    return;
  }
  if (!b && h) {
    if (h.required) emit(state, "head", h.node, "new required request body");
    return;
  }
  if (!b || !h) return;
  if (h.required && !b.required) emit(state, "head", h.node, "request body became required");
  for (const [media, bm] of b.content) {
    const hm = h.content.get(media);
    if (!hm) {
      emit(state, "base", bm.node, `request media type ${media} removed`);
      continue;
    }
    compareSchema(state, bm.schema, hm.schema, "request", `request body (${media})`, "");
  }
}

function isSuccess(code: string): boolean {
  return /^[23]/.test(code);
}

function diffResponses(state: DiffState, before: OperationModel, after: OperationModel): void {
  for (const [code, b] of before.responses) {
    const h = after.responses.get(code) ?? after.responses.get(`${code[0]}XX`) ?? after.responses.get(`${code[0]}xx`);
    if (!h) {
      if (isSuccess(code)) emit(state, "base", b.node, `response ${code} removed`);
      continue;
    }
    diffResponse(state, code, b, h);
  }
}

function diffResponse(state: DiffState, code: string, b: ResponseModel, h: ResponseModel): void {
  for (const [media, bm] of b.content) {
    const hm = h.content.get(media);
    if (!hm) {
      emit(state, "base", bm.node, `response ${code} media type ${media} removed`);
      continue;
    }
    compareSchema(state, bm.schema, hm.schema, "response", `response ${code} (${media})`, "");
  }
  for (const [name, bh] of b.headers) {
    const hh = h.headers.get(name);
    if (!hh) {
      if (bh.required) emit(state, "base", bh.node, `response ${code} required header '${name}' removed`);
      continue;
    }
    compareSchema(state, bh.schema, hh.schema, "response", `response ${code} header '${name}'`, "");
  }
}

// ---------------------------------------------------------------------------------------------------
// Schemas: compared by the one JSON Schema differ (json-schema/compare.ts, structural model), worded and
// levelled here the way oasdiff does.

/** True for JSON media types (`application/json`, `application/problem+json`): the only strongly typed bodies. */
export function isJsonMedia(media: string): boolean {
  const type = media.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}

/** The media type named in a body's `where` (`request body (application/xml)`), if any. */
function bodyMedia(where: string): string | undefined {
  return /^(?:request body|response \S+) \(([^)]+)\)$/.exec(where)?.[1];
}

/** How strongly `where` types its values (see Typing): non-JSON bodies are loose, request parameters text. */
function typingOf(where: string, label: string, direction: Direction): Typing {
  const media = bodyMedia(where);
  if (media !== undefined && !isJsonMedia(media)) return "loose";
  return direction === "request" && / parameter '/.test(where) && !label.includes(".") ? "text" : "json";
}

/**
 * Bounds that oasdiff rates WARN when a request gains them where there was none (`request-property-max-set`,
 * `-max-length-set`, `-min-set`, `-min-items-set`, `-exclusive-*-set`): the values clients send usually fit.
 * Tightening an existing bound stays an error.
 */
const WARN_WHEN_SET = new Set(["maxLength", "maximum", "exclusiveMaximum", "minItems", "minimum", "exclusiveMinimum"]);
const LOWER_BOUNDS = new Set(["minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "minContains"]);

/**
 * Compares a base and a head schema in `direction`: a request's writer is the client (base schema), its
 * reader the server (head schema); a response's writer is the server (head), its reader the client (base).
 */
function compareSchema(
  state: DiffState,
  baseNode: SpecNode | undefined,
  headNode: SpecNode | undefined,
  direction: Direction,
  where: string,
  property: string,
): void {
  // A place of a file that reads the same on both sides, reaching only such files: nothing can differ.
  if (baseNode && headNode && unchangedNodes(state.base, state.head, baseNode, headNode)) return;
  const request = direction === "request";
  const base = { tree: state.base, node: state.base.rootNode() };
  const head = { tree: state.head, node: state.head.rootNode() };
  const c: SchemaComparison<ApiBreak> = {
    model: "structural",
    writer: request ? base : head,
    reader: request ? head : base,
    writerSide: request ? "base" : "head",
    emit: (change) => apiBreak(state, direction, where, change),
    out: state.out,
    // Cycle guard per operation (locations only: a recursive schema revisits them with a longer property path).
    seen: state.visited,
    typing: (label) => typingOf(where, label, direction),
    // Requests: only the head side matters for read-only (server-set) properties, and vice versa.
    headOnly: request ? "readOnly" : "writeOnly",
    cache: {
      scope: where,
      replay(key, out) {
        const known = state.memo.get(key);
        if (!known) return false;
        for (const k of known) out.push({ ...k, operation: state.operation.label, pathVersion: pathMajorVersion(state.operation.path) });
        return true;
      },
      store(key, produced) {
        state.memo.set(
          key,
          produced.map(({ side, file, line, what, advisory }) => ({ side, file, line, what, ...(advisory ? { advisory } : {}) })),
        );
      },
    },
  };
  compareSchemas(c, request ? baseNode : headNode, request ? headNode : baseNode, "#", property);
}

/**
 * One schema change as oasdiff words and levels it, or undefined when oasdiff does not count it in this
 * direction (INFO): a pattern or format change in a response, an anyOf option added to a response, ...
 */
function apiBreak(state: DiffState, direction: Direction, where: string, f: SchemaChange): ApiBreak | undefined {
  const request = direction === "request";
  const subject = f.label ? `${where} property '${f.label}'` : where;
  const h = (request ? f.readerSchema : f.writerSchema)!;
  const [baseAt, headAt] = request ? [f.at.writer, f.at.reader] : [f.at.reader, f.at.writer];
  const [baseValue, headValue] = request ? [f.writerValue, f.readerValue] : [f.readerValue, f.writerValue];
  const near = (...keys: string[]) => childOr(state.head, h, ...keys);
  const listed = () => (f.readerValue as unknown[]).map((v) => JSON.stringify(v)).join(", ");
  const values = (f.values ?? []).join(", ");
  const branch = (name: unknown) => (name === undefined ? "a subschema" : `'${name}'`);
  const at = (side: "base" | "head", node: SpecNode, what: string, warning = false) => apiBreakAt(state, side, node, what, warning);
  switch (f.change) {
    case "TYPE_NARROWED":
    case "TYPE_CHANGED": {
      const onlyNull = f.values?.length === 1 && f.values[0] === "null";
      const what = onlyNull
        ? request
          ? `${subject} no longer accepts null`
          : `${subject} may now be null`
        : `${subject} type changed from ${(baseValue as string[]).join("|")} to ${(headValue as string[]).join("|")}`;
      return at("head", near("type"), what);
    }
    case "ENUM_ARRAY_NARROWED":
    case "CONST_CHANGED":
    case "ENUM_ARRAY_CHANGED":
      if (f.values) {
        // oasdiff: response-property-enum-value-added is a WARN (clients should tolerate unknown values), but a
        // changed `const` (response-property-const-changed) is an ERR.
        if (request) return at("head", near("enum", "const"), `${subject} no longer accepts ${values}`);
        return at("head", near("enum", "const"), `${subject} may now return ${values}`, f.change !== "CONST_CHANGED");
      }
      if (request) return at("head", near("enum", "const"), `${subject} is now limited to ${listed()}`);
      // A removed `const` is an ERR in oasdiff (response-property-const-removed); a removed enum has no rule of its own.
      if ((h.value as Record<string, unknown>).$ref) return undefined;
      return at("head", h, `${subject} is no longer limited to ${listed()}`, (f.readerSchema!.value as Record<string, unknown>).const === undefined);
    case "EXCLUSIVE_MINIMUM_SET":
    case "EXCLUSIVE_MAXIMUM_SET":
      return at("head", near(f.keyword), `${subject} ${f.keyword} ${request ? "set" : "removed"}`);
    case "KEYWORD_CHANGED": {
      const change = !baseAt ? "added" : !headAt ? "removed" : "changed";
      return at(headAt ? "head" : "base", headAt ?? baseAt!, `${subject} ${f.keyword} ${change}`);
    }
    case "EXTENSIBLE_ENUM_NARROWED":
      // Zalando's x-extensible-enum: clients may send only the listed values; readers tolerate new ones.
      return request ? at("head", near("x-extensible-enum"), `${subject} no longer accepts ${values}`) : undefined;
    case "PATTERN_ADDED":
    case "PATTERN_CHANGED":
      // oasdiff: a pattern added to a request is ERR, changed is WARN (it may only widen), removed is INFO;
      // every pattern change in a response is INFO (a server that returns values matching a new pattern breaks no reader).
      if (!request) return undefined;
      return at("head", near("pattern"), `${subject} pattern ${f.change === "PATTERN_ADDED" ? "added" : "changed"}`, f.change === "PATTERN_CHANGED");
    case "FORMAT_CHANGED":
      return at("head", near("format"), `${subject} format changed from ${baseValue} to ${headValue}`);
    case "FORMAT_ADDED":
      return request ? at("head", near("format"), `${subject} format ${headValue} added`) : undefined;
    case "REQUIRED_ATTRIBUTE_ADDED":
      return request
        ? at("head", headAt!, `${where} property '${f.label}' became required`)
        : at("head", headAt!, `${where} property '${f.label}' became optional`);
    case "REQUIRED_PROPERTY_ADDED":
      // A required name with no schema under `properties` is not a property oasdiff checks (its full checker
      // finds nothing breaking): reported, but as a warning.
      return request
        ? at("head", headAt!, `${where} has a new required property '${f.label}'`, f.values?.[0] === "undeclared")
        : at("base", baseAt!, `${where} property '${f.label}' removed`);
    case "PROPERTY_REMOVED":
      // oasdiff: response-required-property-removed is an ERR, response-optional-property-removed a WARN.
      return at("base", baseAt!, `${where} property '${f.label}' removed`, true);
    case "ADDITIONAL_PROPERTIES_NARROWED":
      return at("head", headAt!, `${subject} no longer accepts additional properties`);
    case "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL":
      // oasdiff: request-property-removed is a WARN.
      return at("base", baseAt!, `${where} property '${f.label}' removed (additional properties are not allowed)`, true);
    case "BRANCH_ADDED":
      // allOf narrows when it grows (on the request's reading side).
      return request ? at("head", headAt!, `${subject} allOf gained ${branch(f.readerValue)}`) : undefined;
    case "BRANCH_REMOVED":
      // anyOf/oneOf narrow when they shrink. A new oneOf option in a response can be a shape the client has never
      // seen; a new anyOf option is left out (oasdiff rates it informational: anyOf readers already expect a mix).
      if (request) return at("head", headAt!, `${subject} ${f.keyword} lost ${branch(f.writerValue)}`);
      return f.keyword === "oneOf" ? at("head", headAt!, `${subject} oneOf gained ${branch(f.writerValue)}`) : undefined;
  }
  const bound = f.keyword;
  const lower = LOWER_BOUNDS.has(bound);
  // A lower bound of zero or less is no bound.
  if (lower && (f.readerValue as number) <= 0) return undefined;
  if (request) {
    return at(
      "head",
      near(bound),
      `${subject} ${bound} ${baseValue === undefined ? `set to ${headValue}` : `${lower ? "increased" : "decreased"} from ${baseValue} to ${headValue}`}`,
      baseValue === undefined && WARN_WHEN_SET.has(bound),
    );
  }
  return at(
    "head",
    near(bound),
    `${subject} ${bound} ${headValue === undefined ? `${baseValue} removed` : `${lower ? "decreased" : "increased"} from ${baseValue} to ${headValue}`}`,
  );
}

function childOr(spec: SpecDocument, node: SpecNode, ...keys: string[]): SpecNode {
  for (const key of keys) {
    const c = spec.child(node, key);
    if (c) return c;
  }
  return node;
}
