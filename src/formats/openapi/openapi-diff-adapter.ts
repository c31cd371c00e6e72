import { createHash } from "node:crypto";
import type { ReviewView } from "../../engine/types.js";
import { isRecord } from "../../engine/structured.js";
import type { ApiBreak } from "./diff.js";
import { canonical } from "../json-schema/compare.js";
import { isUnstable, pathMajorVersion } from "./diff.js";
import { type SpecDocument, type SpecNode, unchangedNodes } from "../refs/spec-document.js";
import { boundedOpenapiDiff, type DiffBounds } from "./bounded-openapi-diff.js";
import { HTTP_METHODS, normalizePath, operationsOf, operationUnchanged } from "./spec.js";

/** openapi-diff costs ~16 ms per operation; past this many changed operations our own checks stand alone. */
const MAX_OPERATIONS = 300;

/** openapi-diff's bounds unless the rule's options say otherwise. */
export const DEFAULT_BOUNDS: DiffBounds = { timeoutMs: 20_000, heapMb: 512 };

/**
 * Runs Atlassian's openapi-diff on two versions of a spec for what it does well: set-based comparison of
 * JSON request and response bodies (allOf/anyOf/oneOf, bounds). It is never given a `$ref`: both specs
 * are inlined from the PR's tree first, because openapi-diff itself would read the host's disk and the
 * network. It rejects OpenAPI 3.1, so 3.1 specs rely on our own checks only. Its results are used only
 * for operations where our own checks found nothing in the same request/response part.
 */
export async function openapiDiffBreaks(
  ctx: ReviewView,
  base: SpecDocument,
  head: SpecDocument,
  ours: ApiBreak[],
  bounds: DiffBounds = DEFAULT_BOUNDS,
): Promise<ApiBreak[]> {
  const format = formatOf(base.rootValue);
  if (!format || format !== formatOf(head.rootValue)) return [];
  const headOps = operationsOf(head);
  const baseOps = operationsOf(base);
  // A spec this large is left to our own checks, as before openapi-diff was bounded: on DigitalOcean's
  // spec (about 500 operations) a change to a shared definition gives it 47 operations it cannot finish in 20 s.
  if (headOps.size > MAX_OPERATIONS) {
    ctx.note(`${head.root} has ${headOps.size} operations; openapi-diff was skipped (our own checks ran)`, "not-judged");
    return [];
  }
  // openapi-diff's findings are only used for bodies both versions describe; only operations where one of
  // those bodies changed can add anything, so only they are given to it (it costs ~16 ms per operation,
  // and a generated spec inlines to hundreds of megabytes).
  const changed = changedBodyOperations(base, baseOps, head, headOps);
  if (changed.length === 0) return [];
  if (changed.length > MAX_OPERATIONS) {
    ctx.note(`${head.root} has ${changed.length} operations with changed bodies; openapi-diff was skipped (our own checks ran)`, "not-judged");
    return [];
  }
  let baseDoc: Record<string, unknown>;
  let headDoc: Record<string, unknown>;
  try {
    baseDoc = prepare(
      prunedDocument(
        base,
        changed.map((key) => baseOps.get(key)!),
      ),
    );
    headDoc = prepare(
      prunedDocument(
        head,
        changed.map((key) => headOps.get(key)!),
      ),
    );
  } catch (error) {
    ctx.note(`openapi-diff was skipped for ${head.root}: ${(error as Error).message}`, "not-judged");
    return [];
  }
  stripInvisibleProperties(baseDoc, headDoc);
  ignoreNewOptionalRequestProperties(baseDoc, headDoc);
  const outcome = await boundedOpenapiDiff(
    { content: JSON.stringify(baseDoc), location: `base:${base.root}`, format },
    { content: JSON.stringify(headDoc), location: `head:${head.root}`, format },
    bounds,
  );
  if (outcome.kind === "rejected") {
    // Our own checks already ran; openapi-diff is strict about schema validity.
    ctx.note(`openapi-diff could not compare ${head.root}: ${outcome.message}`);
    return [];
  }
  if (outcome.kind !== "done") {
    // The comparison could not finish within its bounds: the review cannot say the bodies are compatible.
    ctx.problem({
      file: head.root,
      line: 1,
      message:
        `openapi-diff could not finish comparing ${head.root} (${changed.length} operation${changed.length === 1 ? "" : "s"} with changed bodies): ` +
        `${outcome.message}. Raise rules.breaking-api-change.openapiDiffTimeoutSeconds / openapiDiffMemoryMb, or set openapiDiff: false to rely on archgate's own checks`,
    });
    return [];
  }
  const out: ApiBreak[] = [];
  for (const d of outcome.breakingDifferences) {
    const part = d.code === "request.body.scope.remove" ? "request" : d.code === "response.body.scope.add" ? "response" : undefined;
    if (!part) continue; // paths, methods, status codes and headers: our own checks report those with better lines
    const location = d.destinationLocation ?? d.sourceLocation ?? "";
    const m = new RegExp(`^paths\\.(/.*)\\.(${HTTP_METHODS.join("|")})\\.(.*)$`).exec(location);
    if (!m) continue;
    const opKey = `${m[2]!.toUpperCase()} ${normalizePath(m[1]!)}`;
    const op = headOps.get(opKey);
    if (!op) continue;
    // openapi-diff reads only application/json: a JSON body that did not exist before looks like a
    // narrowing from "anything" to the new schema. Only compare bodies both versions describe.
    if (!sameBodyExisted(baseOps.get(opKey), op, m[3]!)) continue;
    const prefix = part === "request" ? "request" : "response";
    if (ours.some((b) => b.operation === op.label && (b.what.startsWith(prefix) || b.what.startsWith(`new required request`)))) continue;
    const node = locate(head, op, m[3]!);
    out.push({
      side: "head",
      file: node.loc.file,
      line: head.lineOf(node.loc),
      operation: op.label,
      what: part === "request" ? "request body accepts fewer values than before" : "response body may contain values it could not before",
      pathVersion: pathMajorVersion(op.path),
      source: "openapi-diff",
      ...(isUnstable(op.value) ? { advisory: true } : {}),
    } as ApiBreak);
  }
  return out;
}

type Operation = ReturnType<typeof operationsOf> extends Map<string, infer O> ? O : never;

/** Request and response body schemas of an operation, by part and media type (undefined: no schema). */
function bodySchemas(op: Operation): Map<string, SpecNode | undefined> {
  const out = new Map<string, SpecNode | undefined>();
  for (const [media, m] of op.requestBody?.content ?? []) out.set(`request ${media}`, m.schema);
  for (const [code, response] of op.responses) {
    for (const [media, m] of response.content) out.set(`response ${code} ${media}`, m.schema);
  }
  return out;
}

/** Keys of the operations where a body schema that both versions describe differs between them. */
function changedBodyOperations(base: SpecDocument, baseOps: Map<string, Operation>, head: SpecDocument, headOps: Map<string, Operation>): string[] {
  const baseHashes = new StructuralHasher(base);
  const headHashes = new StructuralHasher(head);
  // A media type without a schema accepts anything: gaining a schema narrows it, so it counts as a change.
  const differ = (b: SpecNode | undefined, h: SpecNode | undefined) =>
    b === undefined || h === undefined ? b !== h : !unchangedNodes(base, head, b, h) && baseHashes.of(b) !== headHashes.of(h);
  const out: string[] = [];
  for (const [key, after] of headOps) {
    const before = baseOps.get(key);
    if (!before || after.webhook || operationUnchanged(base, head, before, after)) continue;
    const a = bodySchemas(after);
    for (const [part, schema] of bodySchemas(before)) {
      if (a.has(part) && differ(schema, a.get(part))) {
        out.push(key);
        break;
      }
    }
  }
  return out;
}

/**
 * A hash of the value at a node with every `$ref` replaced by its target, as `inline` would produce it,
 * computed once per location: a schema shared by a hundred operations is hashed once, so comparing the
 * bodies of a generated spec is linear in its size rather than in its inlined size. Key order does not count.
 */
export class StructuralHasher {
  private readonly memo = new Map<string, string>();
  constructor(private readonly spec: SpecDocument) {}

  of(node: SpecNode): string {
    return this.hash(node, new Set()).hash;
  }

  private hash(node: SpecNode, stack: Set<string>): { hash: string; cyclic: boolean } {
    const resolved = this.spec.deref(node);
    const value = resolved.value;
    if (value === undefined) return { hash: "{}", cyclic: false }; // what inline gives an unresolvable ref
    if (!isRecord(value) && !Array.isArray(value)) return { hash: JSON.stringify(value) ?? "null", cyclic: false };
    const key = `${resolved.loc.file}#${resolved.loc.pointer.join("/")}`;
    const known = this.memo.get(key);
    if (known) return { hash: known, cyclic: false };
    // A recursive schema: name the place instead of expanding it again (not memoised, see below).
    if (stack.has(key)) return { hash: `cycle:${key}`, cyclic: true };
    stack.add(key);
    let cyclic = false;
    const parts: string[] = [];
    const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value).sort();
    for (const k of keys) {
      const child = this.spec.child(resolved, k);
      const h = child ? this.hash(child, stack) : { hash: "{}", cyclic: false };
      cyclic ||= h.cyclic;
      parts.push(Array.isArray(value) ? h.hash : `${JSON.stringify(k)}:${h.hash}`);
    }
    stack.delete(key);
    const hash = createHash("sha1")
      .update(Array.isArray(value) ? `[${parts.join(",")}]` : `{${parts.join(",")}}`)
      .digest("base64");
    // A hash that names a place on the current path depends on where the walk entered the cycle.
    if (!cyclic) this.memo.set(key, hash);
    return { hash, cyclic };
  }
}

/**
 * The spec cut down to the given operations, each inlined (openapi-diff is never given a `$ref`), plus
 * the top-level keys it validates; shared definitions are left out because every use is inlined.
 */
function prunedDocument(spec: SpecDocument, ops: Operation[]): Record<string, unknown> {
  const budget = { nodes: 200_000 };
  const root = spec.rootNode();
  const doc: Record<string, unknown> = {};
  for (const key of Object.keys(spec.rootValue)) {
    if (["paths", "webhooks", "definitions", "parameters", "responses", "components"].includes(key)) continue;
    const child = spec.child(root, key);
    if (child) doc[key] = spec.inline(child, budget);
  }
  const schemes = spec.child(spec.child(root, "components"), "securitySchemes");
  if (schemes) doc.components = { securitySchemes: spec.inline(schemes, budget) };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const item = (paths[op.path] ??= {});
    const shared = spec.child(op.pathNode, "parameters");
    if (shared && item.parameters === undefined) item.parameters = spec.inline(shared, budget);
    item[op.method] = spec.inline(op.node, budget);
  }
  doc.paths = paths;
  return doc;
}

function sameBodyExisted(before: Operation | undefined, after: Operation, tail: string): boolean {
  if (!before) return false;
  if (tail.startsWith("requestBody")) {
    const media = /content\.(.*)\.schema$/.exec(tail)?.[1];
    return media !== undefined && before.requestBody?.content.has(media) === true && after.requestBody?.content.has(media) === true;
  }
  if (tail.startsWith("parameters")) return before.requestBody !== undefined; // Swagger 2.0 body parameter
  const r = /^responses\.([^.]+)(?:\.content\.(.*)\.schema)?/.exec(tail);
  if (!r) return false;
  const b = before.responses.get(r[1]!);
  const a = after.responses.get(r[1]!);
  if (!b || !a) return false;
  return r[2] === undefined || (b.content.has(r[2]) && a.content.has(r[2]));
}

function formatOf(doc: Record<string, unknown>): "swagger2" | "openapi3" | undefined {
  if (String(doc.swagger) === "2.0") return "swagger2";
  if (typeof doc.openapi === "string" && /^3\.0\.\d+$/.test(doc.openapi)) return "openapi3";
  return undefined;
}

function prepare(value: unknown): Record<string, unknown> {
  const doc = isRecord(value) ? value : {};
  // 3.0.4 only clarifies 3.0.3; openapi-diff's parser stops at 3.0.3.
  if (typeof doc.openapi === "string" && /^3\.0\.\d+$/.test(doc.openapi)) doc.openapi = "3.0.3";
  return doc;
}

/** The head node named by the tail of an openapi-diff location (`requestBody.content.application/json.schema`). */
function locate(head: SpecDocument, op: Operation, tail: string) {
  if (tail.startsWith("requestBody")) {
    const media = /content\.(.*)\.schema$/.exec(tail)?.[1];
    return (media && op.requestBody?.content.get(media)?.schema) || op.requestBody?.node || op.node;
  }
  const r = /^responses\.([^.]+)(?:\.content\.(.*)\.schema)?/.exec(tail);
  if (r) {
    const response = op.responses.get(r[1]!);
    return (r[2] && response?.content.get(r[2])?.schema) || response?.node || op.node;
  }
  void head;
  return op.node;
}

/**
 * A request schema without `additionalProperties: false` already accepted any extra property, so a new
 * optional property is not a break; openapi-diff's set semantics would call it one. Remove such
 * properties from the inlined head before the comparison.
 */
function ignoreNewOptionalRequestProperties(base: Record<string, unknown>, head: Record<string, unknown>): void {
  const basePaths = isRecord(base.paths) ? base.paths : {};
  const headPaths = isRecord(head.paths) ? head.paths : {};
  for (const [path, headItem] of Object.entries(headPaths)) {
    const baseItem = basePaths[path];
    if (!isRecord(headItem) || !isRecord(baseItem)) continue;
    for (const method of HTTP_METHODS) {
      const h = headItem[method];
      const b = baseItem[method];
      if (!isRecord(h) || !isRecord(b)) continue;
      const hb = isRecord(h.requestBody) && isRecord(h.requestBody.content) ? h.requestBody.content : undefined;
      const bb = isRecord(b.requestBody) && isRecord(b.requestBody.content) ? b.requestBody.content : undefined;
      if (hb && bb) {
        for (const [media, hm] of Object.entries(hb)) {
          const bm = bb[media];
          if (isRecord(hm) && isRecord(bm)) stripAdded(bm.schema, hm.schema, 0);
        }
      }
      // Swagger 2: the body parameter.
      const hp = Array.isArray(h.parameters) ? h.parameters.find((p) => isRecord(p) && p.in === "body") : undefined;
      const bp = Array.isArray(b.parameters) ? b.parameters.find((p) => isRecord(p) && p.in === "body") : undefined;
      if (isRecord(hp) && isRecord(bp)) stripAdded(bp.schema, hp.schema, 0);
    }
  }
}

/**
 * Properties a side never sees: `readOnly` ones in requests (the server sets them), `writeOnly` ones in
 * responses. openapi-diff compares them like any other (a new required readOnly property narrows the request
 * for it); our own checks and oasdiff skip them, so they are removed, with their `required` entries, first:
 * from both versions when either marks them (a property that becomes writeOnly leaves the response unseen).
 */
function stripInvisible(base: unknown, head: unknown, flag: "readOnly" | "writeOnly", depth: number): void {
  if (depth > 40) return;
  const b = isRecord(base) ? base : undefined;
  const h = isRecord(head) ? head : undefined;
  if (!b && !h) return;
  const bProps = b && isRecord(b.properties) ? b.properties : {};
  const hProps = h && isRecord(h.properties) ? h.properties : {};
  for (const name of new Set([...Object.keys(bProps), ...Object.keys(hProps)])) {
    const flagged = [bProps[name], hProps[name]].some((p) => isRecord(p) && p[flag] === true);
    if (!flagged) {
      stripInvisible(bProps[name], hProps[name], flag, depth + 1);
      continue;
    }
    for (const schema of [b, h]) {
      if (!schema) continue;
      if (isRecord(schema.properties)) delete schema.properties[name];
      if (Array.isArray(schema.required)) schema.required = schema.required.filter((r) => r !== name);
    }
  }
  stripInvisible(b?.items, h?.items, flag, depth + 1);
  stripInvisible(b?.additionalProperties, h?.additionalProperties, flag, depth + 1);
  for (const keyword of ["allOf", "anyOf", "oneOf"]) {
    const bl = Array.isArray(b?.[keyword]) ? (b![keyword] as unknown[]) : [];
    const hl = Array.isArray(h?.[keyword]) ? (h![keyword] as unknown[]) : [];
    for (let i = 0; i < Math.max(bl.length, hl.length); i++) stripInvisible(bl[i], hl[i], flag, depth + 1);
  }
}

/** Applies stripInvisible to every request and response body schema both inlined documents describe. */
function stripInvisibleProperties(baseDoc: Record<string, unknown>, headDoc: Record<string, unknown>): void {
  const basePaths = isRecord(baseDoc.paths) ? baseDoc.paths : {};
  const headPaths = isRecord(headDoc.paths) ? headDoc.paths : {};
  const record = (v: unknown) => (isRecord(v) ? v : {});
  for (const [path, headItem] of Object.entries(headPaths)) {
    for (const method of HTTP_METHODS) {
      const h = record(record(headItem)[method]);
      const b = record(record(basePaths[path])[method]);
      const hBody = record(record(h.requestBody).content);
      const bBody = record(record(b.requestBody).content);
      for (const media of Object.keys(hBody)) stripInvisible(record(bBody[media]).schema, record(hBody[media]).schema, "readOnly", 0);
      const bodyParam = (op: Record<string, unknown>) =>
        record((Array.isArray(op.parameters) ? op.parameters : []).find((p) => isRecord(p) && p.in === "body"));
      stripInvisible(bodyParam(b).schema, bodyParam(h).schema, "readOnly", 0); // Swagger 2
      const bResponses = record(b.responses);
      for (const [code, response] of Object.entries(record(h.responses))) {
        const before = record(bResponses[code]);
        stripInvisible(before.schema, record(response).schema, "writeOnly", 0); // Swagger 2
        const bContent = record(before.content);
        for (const [media, m] of Object.entries(record(record(response).content)))
          stripInvisible(record(bContent[media]).schema, record(m).schema, "writeOnly", 0);
      }
    }
  }
}

function stripAdded(base: unknown, head: unknown, depth: number): void {
  if (!isRecord(base) || !isRecord(head) || depth > 40) return;
  if (isRecord(head.properties) && base.additionalProperties !== false) {
    const baseProps = isRecord(base.properties) ? base.properties : {};
    const required = Array.isArray(head.required) ? head.required : [];
    for (const name of Object.keys(head.properties)) {
      if (!(name in baseProps) && !required.includes(name)) delete head.properties[name];
      else stripAdded(baseProps[name], head.properties[name], depth + 1);
    }
  }
  stripAdded(base.items, head.items, depth + 1);
  for (const keyword of ["allOf", "anyOf", "oneOf"]) {
    const bl = base[keyword];
    let hl = head[keyword];
    // New anyOf/oneOf options widen what a request accepts; openapi-diff's exactly-one semantics would
    // call a new oneOf option a narrowing (values now match two options), which clients do not see.
    if (keyword !== "allOf" && Array.isArray(bl) && Array.isArray(hl) && hl.length > bl.length) {
      // Pair each old option with an identical new one, else with the one at its position.
      const used = new Set<number>();
      const headKeys = hl.map(canonical);
      const picks = bl.map((b) => {
        const j = headKeys.findIndex((k, idx) => !used.has(idx) && k === canonical(b));
        if (j >= 0) used.add(j);
        return j;
      });
      const kept = picks.map((j, i) => {
        if (j >= 0) return (hl as unknown[])[j];
        if (used.has(i)) return undefined;
        used.add(i);
        return (hl as unknown[])[i];
      });
      if (kept.every((x) => x !== undefined)) head[keyword] = hl = kept;
    }
    if (Array.isArray(bl) && Array.isArray(hl) && bl.length === hl.length) bl.forEach((b, i) => stripAdded(b, (hl as unknown[])[i], depth + 1));
  }
}
