import type openapiDiffModule from "openapi-diff";
import type { ReviewView } from "../../engine/types.js";
import { isRecord } from "../../engine/structured.js";
import type { ApiBreak } from "./diff.js";
import { canonical, pathMajorVersion } from "./diff.js";
import type { SpecDocument } from "../refs/spec-document.js";
import { HTTP_METHODS, normalizePath, operationsOf } from "./spec.js";

/** openapi-diff costs ~16 ms per operation; past this size our own checks stand alone. */
const MAX_OPERATIONS = 300;

/**
 * Runs Atlassian's openapi-diff on two versions of a spec for what it does well: set-based comparison of
 * JSON request and response bodies (allOf/anyOf/oneOf, bounds). It is never given a `$ref`: both specs
 * are inlined from the PR's tree first, because openapi-diff itself would read the host's disk and the
 * network. It rejects OpenAPI 3.1, so 3.1 specs rely on our own checks only. Its results are used only
 * for operations where our own checks found nothing in the same request/response part.
 */
export async function openapiDiffBreaks(ctx: ReviewView, base: SpecDocument, head: SpecDocument, ours: ApiBreak[]): Promise<ApiBreak[]> {
  const format = formatOf(base.rootValue);
  if (!format || format !== formatOf(head.rootValue)) return [];
  const headOps = operationsOf(head);
  const baseOps = operationsOf(base);
  if (headOps.size > MAX_OPERATIONS) {
    ctx.note(`${head.root} has ${headOps.size} operations; openapi-diff was skipped (our own checks ran)`, "not-judged");
    return [];
  }
  // openapi-diff's findings are only used for bodies both versions describe; when none of those bodies
  // changed it cannot add anything, and skipping it keeps large PRs fast (it costs ~16 ms per operation).
  try {
    if (!bodiesChanged(base, baseOps, head, headOps)) return [];
  } catch (error) {
    ctx.note(`openapi-diff was skipped for ${head.root}: ${(error as Error).message}`, "not-judged");
    return [];
  }
  let baseDoc: Record<string, unknown>;
  let headDoc: Record<string, unknown>;
  try {
    baseDoc = prepare(base.inline(base.rootNode()));
    headDoc = prepare(head.inline(head.rootNode()));
  } catch (error) {
    ctx.note(`openapi-diff was skipped for ${head.root}: ${(error as Error).message}`, "not-judged");
    return [];
  }
  ignoreNewOptionalRequestProperties(baseDoc, headDoc);
  let outcome: Awaited<ReturnType<typeof openapiDiffModule.diffSpecs>>;
  try {
    // Loaded on first use: it costs ~200 ms of start-up, and most reviews never need it.
    const { default: openapiDiff } = await import("openapi-diff");
    outcome = await openapiDiff.diffSpecs({
      sourceSpec: { content: JSON.stringify(baseDoc), location: `base:${base.root}`, format },
      destinationSpec: { content: JSON.stringify(headDoc), location: `head:${head.root}`, format },
    });
  } catch (error) {
    // Our own checks already ran; openapi-diff is strict about schema validity.
    ctx.note(`openapi-diff could not compare ${head.root}: ${String((error as Error).message).split("\n")[0]}`);
    return [];
  }
  if (!outcome.breakingDifferencesFound) return [];
  const out: ApiBreak[] = [];
  for (const d of outcome.breakingDifferences) {
    const part = d.code === "request.body.scope.remove" ? "request" : d.code === "response.body.scope.add" ? "response" : undefined;
    if (!part) continue; // paths, methods, status codes and headers: our own checks report those with better lines
    const location = d.destinationSpecEntityDetails[0]?.location ?? d.sourceSpecEntityDetails[0]?.location ?? "";
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
    } as ApiBreak);
  }
  return out;
}

type Operation = ReturnType<typeof operationsOf> extends Map<string, infer O> ? O : never;

/** Inlined request and response body schemas of an operation, by part and media type. */
function bodySchemas(spec: SpecDocument, op: Operation): Map<string, string> {
  const out = new Map<string, string>();
  // A media type without a schema accepts anything: gaining a schema narrows it, so it counts as a change.
  const text = (m: { schema?: Parameters<SpecDocument["inline"]>[0] }) => (m.schema ? JSON.stringify(spec.inline(m.schema)) : "(any)");
  for (const [media, m] of op.requestBody?.content ?? []) out.set(`request ${media}`, text(m));
  for (const [code, response] of op.responses) {
    for (const [media, m] of response.content) out.set(`response ${code} ${media}`, text(m));
  }
  return out;
}

/** True when a body schema that both versions of some operation describe differs between them. */
function bodiesChanged(base: SpecDocument, baseOps: Map<string, Operation>, head: SpecDocument, headOps: Map<string, Operation>): boolean {
  for (const [key, after] of headOps) {
    const before = baseOps.get(key);
    if (!before) continue;
    const a = bodySchemas(head, after);
    for (const [part, schema] of bodySchemas(base, before)) {
      if (a.has(part) && a.get(part) !== schema) return true;
    }
  }
  return false;
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
