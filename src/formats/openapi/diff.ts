import { isRecord } from "../../engine/structured.js";
import { declaredTypes } from "../json-schema/types.js";
import { SpecDocument, type SpecNode } from "../refs/spec-document.js";
import { operationsOf, type OperationModel, type ParameterModel, type ResponseModel } from "./spec.js";

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
  const spec = side === "base" ? state.base : state.head;
  const advisory = warning || isUnstable(state.operation.value);
  state.out.push({
    side,
    file: node.loc.file,
    line: spec.lineOf(node.loc),
    operation: state.operation.label,
    what,
    pathVersion: pathMajorVersion(state.operation.path),
    ...(advisory ? { advisory: true } : {}),
  });
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
// Schemas

/** Declared types, `nullable`/`x-nullable` included: the JSON Schema formats' rule, shared with the event differ. */
const typesOf = declaredTypes;

/**
 * How strongly a location types its values. `json`: a number is not a string. `text` (a query, header,
 * path or cookie parameter): every value travels as text, so a string also covers integers, numbers and
 * booleans. `loose` (a body that is not JSON: XML, a form, plain text): a string covers any value, as in
 * oasdiff, which treats only `application/json` and `+json` media types as strongly typed.
 */
type Typing = "json" | "text" | "loose";

/** Types of `from` that `to` no longer covers (an integer is also a number). */
function missingTypes(from: Set<string>, to: Set<string>, typing: Typing = "json"): string[] {
  const scalar = new Set(["integer", "number", "boolean"]);
  return [...from].filter(
    (t) =>
      !to.has(t) &&
      !(t === "integer" && to.has("number")) &&
      !(typing === "text" && scalar.has(t) && to.has("string")) &&
      !(typing === "loose" && t !== "null" && to.has("string")),
  );
}

/** True for JSON media types (`application/json`, `application/problem+json`): the only strongly typed bodies. */
export function isJsonMedia(media: string): boolean {
  const type = media.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}

/** The media type named in a body's `where` (`request body (application/xml)`), if any. */
function bodyMedia(where: string): string | undefined {
  return /^(?:request body|response \S+) \(([^)]+)\)$/.exec(where)?.[1];
}

function enumOf(schema: Record<string, unknown>): string[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum.filter((v) => v !== null).map((v) => JSON.stringify(v));
  if (schema.const !== undefined) return [JSON.stringify(schema.const)];
  return undefined;
}

const UPPER_BOUNDS = ["maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties", "maxContains"] as const;
/**
 * Bounds that oasdiff rates WARN when a request gains them where there was none (`request-property-max-set`,
 * `-max-length-set`, `-min-set`, `-min-items-set`, `-exclusive-*-set`): the values clients send usually fit.
 * Tightening an existing bound stays an error.
 */
const WARN_WHEN_SET = new Set(["maxLength", "maximum", "exclusiveMaximum", "minItems", "minimum", "exclusiveMinimum"]);
const LOWER_BOUNDS = ["minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "minContains"] as const;

/**
 * JSON Schema keywords compared as a whole (added, removed or edited), with the changes that break in each
 * direction, as oasdiff levels them (ERR; INFO changes are not reported):
 * - constraints (`contains`, `dependentRequired`, `if`/`then`/`else`, `patternProperties`, `propertyNames`,
 *   `unevaluated*`, ...) narrow what is valid when added: added to a request breaks senders, removed from a
 *   response breaks readers that relied on it; removed from a request or added to a response is not a break;
 * - `prefixItems` is the reverse in oasdiff's levels (removing the tuple breaks a request, adding one breaks a response);
 * - `not`, `contentMediaType`, `contentEncoding`: any change breaks both ways.
 * An edited keyword (present on both sides, different) breaks both ways: we do not model whether it widened.
 */
type KeywordChange = "added" | "removed" | "changed";
const CONSTRAINT: Record<Direction, KeywordChange[]> = { request: ["added", "changed"], response: ["removed", "changed"] };
const ANY_CHANGE: Record<Direction, KeywordChange[]> = { request: ["added", "removed", "changed"], response: ["added", "removed", "changed"] };
const WHOLE_KEYWORDS: [string, Record<Direction, KeywordChange[]>][] = [
  ["not", ANY_CHANGE],
  ["if", CONSTRAINT],
  ["then", CONSTRAINT],
  ["else", CONSTRAINT],
  ["contains", CONSTRAINT],
  ["prefixItems", { request: ["removed", "changed"], response: ["added", "changed"] }],
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

function numeric(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Lists a schema's subschemas under `keyword`, named by their `$ref` target or title when they have one. */
function branches(spec: SpecDocument, node: SpecNode, keyword: string): { name: string; node: SpecNode }[] {
  return spec.items(spec.child(node, keyword)).map((item) => {
    const ref = SpecDocument.refName(item.value);
    const resolved = spec.deref(item);
    const title = isRecord(resolved.value) && typeof resolved.value.title === "string" ? resolved.value.title : undefined;
    return { name: ref ?? title ?? `#${JSON.stringify(resolved.value)}`, node: item };
  });
}

function compareSchema(
  state: DiffState,
  baseNode: SpecNode | undefined,
  headNode: SpecNode | undefined,
  direction: Direction,
  where: string,
  property: string,
): void {
  if (!baseNode || !headNode) return;
  const b = state.base.deref(baseNode);
  const h = state.head.deref(headNode);
  if (!isRecord(b.value) || !isRecord(h.value)) return;
  // Cycle guard per operation (locations only: a recursive schema revisits them with a longer property path).
  const visitKey = `${direction}|${b.loc.file}#${b.loc.pointer.join("/")}|${h.loc.file}#${h.loc.pointer.join("/")}`;
  if (state.visited.has(visitKey)) return;
  state.visited.add(visitKey);
  const memoKey = `${visitKey}|${where}|${property}`;
  const known = state.memo.get(memoKey);
  if (known) {
    for (const k of known) state.out.push({ ...k, operation: state.operation.label, pathVersion: pathMajorVersion(state.operation.path) });
    return;
  }
  const start = state.out.length;
  compareSchemaOnce(state, b, h, direction, where, property);
  state.memo.set(
    memoKey,
    state.out.slice(start).map(({ side, file, line, what, advisory }) => ({ side, file, line, what, ...(advisory ? { advisory } : {}) })),
  );
}

function compareSchemaOnce(state: DiffState, b: SpecNode, h: SpecNode, direction: Direction, where: string, property: string): void {
  const bs = b.value as Record<string, unknown>;
  const hs = h.value as Record<string, unknown>;
  const subject = property ? `${where} property '${property}'` : where;
  const narrowingBreaks = direction === "request";
  // Requests: only the head side matters for read-only (server-set) properties, and vice versa.
  if (direction === "request" && hs.readOnly === true) return;
  if (direction === "response" && hs.writeOnly === true) return;

  const bt = typesOf(bs);
  const ht = typesOf(hs);
  if (bt && ht) {
    const media = bodyMedia(where);
    const typing: Typing =
      media !== undefined && !isJsonMedia(media)
        ? "loose"
        : direction === "request" && / parameter '/.test(where) && !property.includes(".")
          ? "text"
          : "json";
    const lost = narrowingBreaks ? missingTypes(bt, ht, typing) : missingTypes(ht, bt, typing === "loose" ? "loose" : "json");
    if (lost.length > 0) {
      const onlyNull = lost.length === 1 && lost[0] === "null";
      const what = onlyNull
        ? narrowingBreaks
          ? `${subject} no longer accepts null`
          : `${subject} may now be null`
        : `${subject} type changed from ${[...bt].join("|")} to ${[...ht].join("|")}`;
      emit(state, "head", typeNode(state.head, h), what);
      if (!onlyNull) return;
    }
  }

  const be = enumOf(bs);
  const he = enumOf(hs);
  if (narrowingBreaks) {
    if (he && be) {
      const removed = be.filter((v) => !he.includes(v));
      if (removed.length > 0) emit(state, "head", childOr(state.head, h, "enum", "const"), `${subject} no longer accepts ${removed.join(", ")}`);
    } else if (he && !be) {
      emit(state, "head", childOr(state.head, h, "enum", "const"), `${subject} is now limited to ${he.join(", ")}`);
    }
  } else if (be) {
    if (he) {
      const added = he.filter((v) => !be.includes(v));
      // oasdiff: response-property-enum-value-added is a WARN (clients should tolerate unknown values), but a
      // changed `const` (response-property-const-changed) is an ERR.
      const constant = bs.const !== undefined && !Array.isArray(bs.enum);
      if (added.length > 0) emit(state, "head", childOr(state.head, h, "enum", "const"), `${subject} may now return ${added.join(", ")}`, !constant);
    } else if (!hs.$ref) {
      // A removed `const` is an ERR in oasdiff (response-property-const-removed); a removed enum has no rule of its own.
      emit(state, "head", h, `${subject} is no longer limited to ${be.join(", ")}`, bs.const === undefined);
    }
  }

  for (const keyword of UPPER_BOUNDS) {
    const bv = numeric(bs[keyword]);
    const hv = numeric(hs[keyword]);
    if (narrowingBreaks && hv !== undefined && (bv === undefined || hv < bv)) {
      emit(
        state,
        "head",
        childOr(state.head, h, keyword),
        `${subject} ${keyword} ${bv === undefined ? `set to ${hv}` : `decreased from ${bv} to ${hv}`}`,
        bv === undefined && WARN_WHEN_SET.has(keyword),
      );
    } else if (!narrowingBreaks && bv !== undefined && (hv === undefined || hv > bv)) {
      emit(
        state,
        "head",
        childOr(state.head, h, keyword),
        `${subject} ${keyword} ${hv === undefined ? `${bv} removed` : `increased from ${bv} to ${hv}`}`,
      );
    }
  }
  for (const keyword of LOWER_BOUNDS) {
    const bv = numeric(bs[keyword]);
    const hv = numeric(hs[keyword]);
    if (narrowingBreaks && hv !== undefined && hv > 0 && (bv === undefined || hv > bv)) {
      emit(
        state,
        "head",
        childOr(state.head, h, keyword),
        `${subject} ${keyword} ${bv === undefined ? `set to ${hv}` : `increased from ${bv} to ${hv}`}`,
        bv === undefined && WARN_WHEN_SET.has(keyword),
      );
    } else if (!narrowingBreaks && bv !== undefined && bv > 0 && (hv === undefined || hv < bv)) {
      emit(
        state,
        "head",
        childOr(state.head, h, keyword),
        `${subject} ${keyword} ${hv === undefined ? `${bv} removed` : `decreased from ${bv} to ${hv}`}`,
      );
    }
  }

  // OpenAPI 3.0 / Swagger 2.0 spell exclusive bounds as booleans next to minimum/maximum.
  for (const keyword of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
    const was = bs[keyword] === true;
    const now = hs[keyword] === true;
    if (narrowingBreaks ? now && !was : was && !now)
      emit(state, "head", childOr(state.head, h, keyword), `${subject} ${keyword} ${now ? "set" : "removed"}`);
  }

  for (const [keyword, breaks] of WHOLE_KEYWORDS) {
    const bk = state.base.child(b, keyword);
    const hk = state.head.child(h, keyword);
    if (!bk && !hk) continue;
    const change: KeywordChange = !bk ? "added" : !hk ? "removed" : "changed";
    if (!breaks[direction].includes(change)) continue;
    const before = bk ? canonical(state.base.inline(bk, { nodes: 20_000 })) : undefined;
    const after = hk ? canonical(state.head.inline(hk, { nodes: 20_000 })) : undefined;
    if (before === after) continue;
    emit(state, hk ? "head" : "base", hk ?? bk!, `${subject} ${keyword} ${change}`);
  }

  // Zalando's x-extensible-enum: clients may send only the listed values, so removing one breaks senders.
  const bx = Array.isArray(bs["x-extensible-enum"]) ? bs["x-extensible-enum"].map((v) => JSON.stringify(v)) : undefined;
  const hx = Array.isArray(hs["x-extensible-enum"]) ? hs["x-extensible-enum"].map((v) => JSON.stringify(v)) : undefined;
  if (narrowingBreaks && bx && hx) {
    const removed = bx.filter((v) => !hx.includes(v));
    if (removed.length > 0) emit(state, "head", childOr(state.head, h, "x-extensible-enum"), `${subject} no longer accepts ${removed.join(", ")}`);
  }

  // An empty pattern matches every string: the same as none.
  const bp = typeof bs.pattern === "string" && bs.pattern !== "" ? bs.pattern : undefined;
  const hp = typeof hs.pattern === "string" && hs.pattern !== "" ? hs.pattern : undefined;
  // oasdiff: a pattern added to a request is ERR, changed is WARN (it may only widen), removed is INFO;
  // every pattern change in a response is INFO (a server that returns values matching a new pattern breaks no reader).
  if (narrowingBreaks && hp !== undefined && hp !== bp) {
    emit(state, "head", childOr(state.head, h, "pattern"), `${subject} pattern ${bp === undefined ? "added" : "changed"}`, bp !== undefined);
  }

  const bf = typeof bs.format === "string" ? bs.format : undefined;
  const hf = typeof hs.format === "string" ? hs.format : undefined;
  if (bf !== hf && hf !== undefined && bf !== undefined && !formatWidens(bf, hf, direction)) {
    emit(state, "head", childOr(state.head, h, "format"), `${subject} format changed from ${bf} to ${hf}`);
  } else if (narrowingBreaks && bf === undefined && hf !== undefined && ht && !ht.has("number") && !ht.has("integer")) {
    emit(state, "head", childOr(state.head, h, "format"), `${subject} format ${hf} added`);
  }

  compareObject(state, b, h, direction, where, property);

  const bItems = state.base.child(b, "items");
  const hItems = state.head.child(h, "items");
  if (bItems && hItems && !Array.isArray(bItems.value) && !Array.isArray(hItems.value)) {
    compareSchema(state, bItems, hItems, direction, where, `${property}[]`);
  }

  compareComposition(state, b, h, direction, where, property, subject);
}

function formatWidens(from: string, to: string, direction: Direction): boolean {
  const wider: Record<string, string> = { int32: "int64", float: "double" };
  return direction === "request" ? wider[from] === to : wider[to] === from;
}

function typeNode(spec: SpecDocument, node: SpecNode): SpecNode {
  return spec.child(node, "type") ?? node;
}

function childOr(spec: SpecDocument, node: SpecNode, ...keys: string[]): SpecNode {
  for (const key of keys) {
    const c = spec.child(node, key);
    if (c) return c;
  }
  return node;
}

function requiredOf(schema: Record<string, unknown>): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : []);
}

function compareObject(state: DiffState, b: SpecNode, h: SpecNode, direction: Direction, where: string, property: string): void {
  const bs = b.value as Record<string, unknown>;
  const hs = h.value as Record<string, unknown>;
  const bProps = new Map(state.base.entries(state.base.child(b, "properties")));
  const hProps = new Map(state.head.entries(state.head.child(h, "properties")));
  const bReq = requiredOf(bs);
  const hReq = requiredOf(hs);
  const prefix = property ? `${property}.` : "";
  const flag = (spec: SpecDocument, node: SpecNode | undefined, key: string) => {
    const v = node ? spec.deref(node).value : undefined;
    return isRecord(v) && v[key] === true;
  };
  if (direction === "request") {
    for (const name of hReq) {
      if (bReq.has(name) || flag(state.head, hProps.get(name), "readOnly")) continue;
      const node = hProps.get(name) ?? childOr(state.head, h, "required");
      // A required name with no schema under `properties` is not a property oasdiff checks (its full checker
      // finds nothing breaking): reported, but as a warning.
      emit(
        state,
        "head",
        node,
        bProps.has(name) ? `${where} property '${prefix}${name}' became required` : `${where} has a new required property '${prefix}${name}'`,
        !hProps.has(name) && !bProps.has(name) && hProps.size > 0,
      );
    }
    if (hs.additionalProperties === false && bs.additionalProperties !== false) {
      emit(
        state,
        "head",
        childOr(state.head, h, "additionalProperties"),
        `${where}${property ? ` property '${property}'` : ""} no longer accepts additional properties`,
      );
    }
    if (hs.additionalProperties === false) {
      for (const [name, node] of bProps) {
        if (!hProps.has(name) && !flag(state.base, node, "readOnly")) {
          // oasdiff: request-property-removed is a WARN.
          emit(state, "base", node, `${where} property '${prefix}${name}' removed (additional properties are not allowed)`, true);
        }
      }
    }
  } else {
    for (const [name, node] of bProps) {
      if (flag(state.base, node, "writeOnly")) continue;
      if (!hProps.has(name)) {
        if (hs.additionalProperties === undefined || hs.additionalProperties === false || !bReq.has(name)) {
          // oasdiff: response-required-property-removed is an ERR, response-optional-property-removed a WARN.
          emit(state, "base", node, `${where} property '${prefix}${name}' removed`, !bReq.has(name));
        }
      } else if (bReq.has(name) && !hReq.has(name)) {
        emit(state, "head", hProps.get(name)!, `${where} property '${prefix}${name}' became optional`);
      }
    }
  }
  for (const [name, bNode] of bProps) {
    const hNode = hProps.get(name);
    if (hNode) compareSchema(state, bNode, hNode, direction, where, `${prefix}${name}`);
  }
  const bAdd = state.base.child(b, "additionalProperties");
  const hAdd = state.head.child(h, "additionalProperties");
  if (bAdd && hAdd && isRecord(bAdd.value) && isRecord(hAdd.value)) compareSchema(state, bAdd, hAdd, direction, where, `${prefix}*`);
}

function compareComposition(
  state: DiffState,
  b: SpecNode,
  h: SpecNode,
  direction: Direction,
  where: string,
  property: string,
  subject: string,
): void {
  for (const keyword of ["allOf", "anyOf", "oneOf"] as const) {
    const bb = branches(state.base, b, keyword);
    const hb = branches(state.head, h, keyword);
    if (bb.length === 0 && hb.length === 0) continue;
    // Pair the branches: by name, or by position for unnamed inline branches when the counts agree.
    const pairs = new Map<number, number>();
    bb.forEach((x, i) => {
      const byName = hb.findIndex((y) => y.name === x.name);
      if (byName >= 0) pairs.set(i, byName);
      else if (bb.length === hb.length && x.name.startsWith("#") && hb[i]!.name.startsWith("#")) pairs.set(i, i);
    });
    const pairedHead = new Set(pairs.values());
    const added = hb.filter((_, j) => !pairedHead.has(j));
    const removed = bb.filter((_, i) => !pairs.has(i));
    const label = (x: { name: string }) => (x.name.startsWith("#") ? "a subschema" : `'${x.name}'`);
    // allOf narrows when it grows; anyOf/oneOf narrow when they shrink.
    if (keyword === "allOf") {
      if (direction === "request" && bb.length > 0) for (const x of added) emit(state, "head", x.node, `${subject} allOf gained ${label(x)}`);
      if (direction === "request" && bb.length === 0 && hb.length > 0) emit(state, "head", hb[0]!.node, `${subject} allOf gained ${label(hb[0]!)}`);
    } else if (bb.length > 0) {
      if (direction === "request")
        for (const x of removed) emit(state, "head", childOr(state.head, h, keyword), `${subject} ${keyword} lost ${label(x)}`);
      // A new oneOf option in a response can be a shape the client has never seen; a new anyOf option
      // is left out (oasdiff rates it informational: anyOf readers already expect a mix).
      else if (keyword === "oneOf") for (const x of added) emit(state, "head", x.node, `${subject} ${keyword} gained ${label(x)}`);
    }
    // Compare the branches that stayed.
    for (const [i, j] of pairs) compareSchema(state, bb[i]!.node, hb[j]!.node, direction, where, property);
  }
}
