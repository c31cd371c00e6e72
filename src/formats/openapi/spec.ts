import { posix } from "node:path";
import type { ChangedFile } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { isExample, isLockfile, isPackageManifest, isTest, isVendored } from "../common/noise.js";
import { isOpenApiDocument, mayBeOpenApiRootText, mayBeOpenApiText } from "./kind.js";
import { isRecord } from "../../engine/structured.js";
import { parseComparedFiles, SpecDocument, type SpecNode, specLoadReport, unchangedNodes } from "../refs/spec-document.js";
import { looksLikeSpecFragment } from "./fragments.js";

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const SPEC_EXTENSION = /\.(ya?ml|json)$/i;

/** Test data, samples and vendored or generated copies: contracts of someone or something else. */
export function isNotOwnContract(path: string): boolean {
  return isTest(path) || isExample(path) || isVendored(path);
}

/** `openapi: 3.x` or `swagger: "2.0"` at the top level: what makes a YAML/JSON file an API description. */
export function specVersionOf(value: unknown): string | undefined {
  if (!isOpenApiDocument(value)) return undefined;
  return String(value.openapi ?? value.swagger);
}

export function isSwagger2(spec: SpecDocument): boolean {
  return spec.rootValue.swagger !== undefined;
}

export interface ParameterModel {
  name: string;
  in: string;
  required: boolean;
  node: SpecNode;
  /** The schema of the value (Swagger 2 non-body parameters carry it inline). */
  schema?: SpecNode;
}

export interface MediaModel {
  node: SpecNode;
  schema?: SpecNode;
}

export interface RequestBodyModel {
  node: SpecNode;
  required: boolean;
  content: Map<string, MediaModel>;
}

export interface ResponseModel {
  node: SpecNode;
  content: Map<string, MediaModel>;
  headers: Map<string, { node: SpecNode; required: boolean; schema?: SpecNode }>;
}

export interface OperationModel {
  method: HttpMethod;
  /** The path as written (`/pets/{petId}`). */
  path: string;
  /** `GET /pets/{petId}`: how findings name the operation. */
  label: string;
  /** The path with parameter names blanked (`/pets/{}`), so renaming a path parameter is not a new path. */
  matchKey: string;
  node: SpecNode;
  /** The path item (after `$ref`). */
  pathNode: SpecNode;
  /** Where the path key is written in the root document (`paths./pets`). */
  pathKey: SpecNode;
  params: Map<string, ParameterModel>;
  requestBody?: RequestBodyModel;
  responses: Map<string, ResponseModel>;
  /** Effective security requirements: the operation's own, else the document's; undefined when neither says. */
  security?: unknown[];
  /** True when the operation itself declares `security`. */
  ownSecurity: boolean;
  deprecated: boolean;
  /** An OpenAPI 3.1 webhook (a request the API sends), not a path the API serves. */
  webhook: boolean;
  value: Record<string, unknown>;
}

export function normalizePath(path: string): string {
  return path.replace(/\{[^}]*\}/g, "{}").replace(/\/+$/, "") || "/";
}

function parameterKey(location: string, name: string): string {
  // Header names are case-insensitive in HTTP.
  return `${location}:${location === "header" ? name.toLowerCase() : name}`;
}

const operationsCache = new WeakMap<SpecDocument, Map<string, OperationModel>>();

/** Every operation of a spec, keyed by `METHOD matchKey` (computed once per loaded spec). */
export function operationsOf(spec: SpecDocument): Map<string, OperationModel> {
  let ops = operationsCache.get(spec);
  if (!ops) {
    ops = collectOperations(spec);
    operationsCache.set(spec, ops);
  }
  return ops;
}

function collectOperations(spec: SpecDocument): Map<string, OperationModel> {
  const ops = new Map<string, OperationModel>();
  const root = spec.rootNode();
  const swagger2 = isSwagger2(spec);
  const rootSecurity = Array.isArray(spec.rootValue.security) ? spec.rootValue.security : undefined;
  const consumesRoot = stringList(spec.rootValue.consumes);
  const producesRoot = stringList(spec.rootValue.produces);
  const pathItems = [
    ...spec.entries(spec.child(root, "paths")).filter(([path]) => path.startsWith("/")),
    ...spec.entries(spec.child(root, "webhooks")).map(([name, node]) => [`webhook:${name}`, node] as [string, SpecNode]),
  ];
  for (const [path, rawPathNode] of pathItems) {
    const pathNode = spec.deref(rawPathNode);
    for (const method of HTTP_METHODS) {
      const opNode = spec.child(pathNode, method);
      if (!opNode || !isRecord(opNode.value)) continue;
      // An operation may itself be a `$ref` (DigitalOcean's `get: $ref: resources/...`): what it points to is read
      // (and its file parsed) only when something asks for its parts, so an operation a comparison skips as
      // unchanged costs nothing.
      const details = once(() => operationDetails(spec, pathNode, opNode, { swagger2, rootSecurity, consumesRoot, producesRoot }));
      const op = {
        method,
        path,
        label: `${method.toUpperCase()} ${path}`,
        matchKey: `${method.toUpperCase()} ${normalizePath(path)}`,
        node: opNode,
        pathNode,
        pathKey: rawPathNode,
        webhook: path.startsWith("webhook:"),
      } as OperationModel;
      for (const key of ["params", "requestBody", "responses", "security", "ownSecurity", "deprecated", "value"] as const) {
        Object.defineProperty(op, key, { enumerable: true, get: () => details()[key] });
      }
      ops.set(op.matchKey, op);
    }
  }
  return ops;
}

/**
 * True when an operation reads the same on both sides, and so does everything it reaches: its node (after its
 * own `$ref`), its path's shared parameters and the document's default media types (Swagger 2 consumes/produces).
 * Comparing it finds nothing, so its parts are not read (nor its files parsed).
 */
export function operationUnchanged(base: SpecDocument, head: SpecDocument, before: OperationModel, after: OperationModel): boolean {
  if (!unchangedNodes(base, head, before.node, after.node)) return false;
  for (const key of ["consumes", "produces"]) {
    if (JSON.stringify(base.rootValue[key]) !== JSON.stringify(head.rootValue[key])) return false;
  }
  const b = base.child(before.pathNode, "parameters");
  const h = head.child(after.pathNode, "parameters");
  return b === undefined || h === undefined ? b === h : unchangedNodes(base, head, b, h);
}

function once<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

type OperationDetails = Pick<OperationModel, "params" | "requestBody" | "responses" | "security" | "ownSecurity" | "deprecated" | "value">;

function operationDetails(
  spec: SpecDocument,
  pathNode: SpecNode,
  opNode: SpecNode,
  doc: { swagger2: boolean; rootSecurity?: unknown[]; consumesRoot?: string[]; producesRoot?: string[] },
): OperationDetails {
  const { swagger2, rootSecurity, consumesRoot, producesRoot } = doc;
  const resolved = spec.deref(opNode).value;
  const value = isRecord(resolved) ? resolved : {};
  const pathParams = spec.items(spec.child(pathNode, "parameters"));
  const params = new Map<string, ParameterModel>();
  let bodyParam: ParameterModel | undefined;
  for (const raw of [...pathParams, ...spec.items(spec.child(opNode, "parameters"))]) {
    const node = spec.deref(raw);
    if (!isRecord(node.value) || typeof node.value.name !== "string" || typeof node.value.in !== "string") continue;
    const param: ParameterModel = {
      name: node.value.name,
      in: node.value.in,
      required: node.value.required === true || node.value.in === "path",
      node,
      schema: spec.child(node, "schema") ?? (swagger2 && node.value.in !== "body" ? node : undefined),
    };
    if (swagger2 && param.in === "body") bodyParam = param;
    else params.set(parameterKey(param.in, param.name), param);
  }
  let requestBody: RequestBodyModel | undefined;
  if (swagger2) {
    if (bodyParam) {
      const content = new Map<string, MediaModel>();
      for (const media of stringList(value.consumes) ?? consumesRoot ?? ["application/json"]) {
        content.set(media, { node: bodyParam.node, schema: bodyParam.schema });
      }
      requestBody = { node: bodyParam.node, required: bodyParam.required, content };
    }
  } else {
    const bodyNode = spec.child(opNode, "requestBody");
    if (bodyNode) {
      const body = spec.deref(bodyNode);
      requestBody = {
        node: body,
        required: isRecord(body.value) && body.value.required === true,
        content: mediaMap(spec, spec.child(body, "content")),
      };
    }
  }
  const responses = new Map<string, ResponseModel>();
  for (const [code, rawResponse] of spec.entries(spec.child(opNode, "responses"))) {
    if (code.startsWith("x-")) continue;
    const response = spec.deref(rawResponse);
    let content: Map<string, MediaModel>;
    if (swagger2) {
      content = new Map();
      const schema = spec.child(response, "schema");
      if (schema)
        for (const media of stringList(value.produces) ?? producesRoot ?? ["application/json"]) content.set(media, { node: response, schema });
    } else {
      content = mediaMap(spec, spec.child(response, "content"));
    }
    const headers = new Map<string, { node: SpecNode; required: boolean; schema?: SpecNode }>();
    for (const [name, rawHeader] of spec.entries(spec.child(response, "headers"))) {
      const header = spec.deref(rawHeader);
      headers.set(name.toLowerCase(), {
        node: header,
        required: isRecord(header.value) && header.value.required === true,
        schema: spec.child(header, "schema") ?? (swagger2 ? header : undefined),
      });
    }
    responses.set(String(code), { node: response, content, headers });
  }
  const ownSecurity = Array.isArray(value.security);
  return {
    params,
    requestBody,
    responses,
    security: ownSecurity ? (value.security as unknown[]) : rootSecurity,
    ownSecurity,
    deprecated: value.deprecated === true,
    value,
  };
}

function mediaMap(spec: SpecDocument, contentNode: SpecNode | undefined): Map<string, MediaModel> {
  const content = new Map<string, MediaModel>();
  for (const [media, node] of spec.entries(contentNode)) {
    content.set(media.toLowerCase(), { node, schema: spec.child(node, "schema") });
  }
  return content;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 ? value.filter((v): v is string => typeof v === "string") : undefined;
}

/** One API description as it was before and after the PR (either side may be absent). */
export interface SpecPair {
  /** Path at head (or at base when the spec was removed). */
  file: string;
  base?: SpecDocument;
  head?: SpecDocument;
}

/**
 * The OpenAPI/Swagger documents a PR touches: changed files with a top-level `openapi`/`swagger` key,
 * plus documents in the same or a parent directory that reference a changed file through `$ref`.
 * Reports unreadable or unparsable head specs as problems (a spec we cannot read cannot pass).
 */
export function changedSpecs(ctx: ReviewView): Promise<SpecPair[]> {
  // Four rules read the same specs: load them once per review.
  return ctx.memo("openapi:changed-specs", findChangedSpecs);
}

async function findChangedSpecs(ctx: ReviewView): Promise<SpecPair[]> {
  const pairs = new Map<string, SpecPair>();
  const fragments: ChangedFile[] = [];
  for (const file of ctx.files) {
    if (!SPEC_EXTENSION.test(file.path) && !(file.previousPath && SPEC_EXTENSION.test(file.previousPath))) continue;
    // Lockfiles and package manifests are never specs; reading them would only cost requests (and notes for big lockfiles).
    if (isLockfile(file.path) || isPackageManifest(file.path)) continue;
    // Specs kept for tests, samples or vendored from elsewhere are not this system's contract.
    if (isNotOwnContract(file.path)) continue;
    const basePath = file.status === "added" ? undefined : (file.previousPath ?? file.path);
    const headPath = file.status === "removed" ? undefined : file.path;
    // A side we cannot read (over the size limit, binary) is not a removal: skip the file; the review
    // notes list it as not analysed.
    if ((headPath && (await ctx.read("head", headPath)).kind !== "text") || (basePath && (await ctx.read("base", basePath)).kind !== "text"))
      continue;
    const headVersion = headPath ? await topLevelVersion(ctx, "head", headPath) : undefined;
    const baseVersion = basePath ? await topLevelVersion(ctx, "base", basePath) : undefined;
    if (headVersion === undefined && baseVersion === undefined) {
      fragments.push(file);
      continue;
    }
    pairs.set(file.path, {
      file: file.path,
      base: basePath && baseVersion !== undefined ? await loadSpec(ctx, "base", basePath) : undefined,
      head: headPath && headVersion !== undefined ? await loadSpec(ctx, "head", headPath) : undefined,
    });
  }
  if (fragments.length > 0) {
    for (const root of await specsReferencing(ctx, fragments, new Set(pairs.keys()))) {
      pairs.set(root.file, root);
    }
  }
  const out = [...pairs.values()].sort((a, b) => a.file.localeCompare(b.file));
  for (const pair of out) parseComparedFiles(pair.base, pair.head);
  return out;
}

/**
 * One side of a spec, its files read in batches and parsed only where the PR changes them or a walk reaches
 * them: a spec split over thousands of files (code samples, examples, models no changed operation uses) is
 * reviewed in the time of what the PR touches.
 */
function loadSpec(ctx: ReviewView, side: "base" | "head", path: string): Promise<SpecDocument | undefined> {
  return SpecDocument.load(ctx, side, path, undefined, { lazy: true });
}

/**
 * Whether a text can hold a top-level `openapi` or `swagger` key at all: the word itself, in any case, or an
 * escape that could spell it (`"\u006fpenapi"`). Most changed YAML and JSON files (workflows, fixtures, data,
 * JSON Schemas) have neither and are not parsed for this question.
 */
const MAY_DECLARE_SPEC = /openapi|swagger|\\[uUx]/i;

async function topLevelVersion(ctx: ReviewView, side: "base" | "head", path: string): Promise<string | undefined> {
  const text = await ctx.text(side, path);
  if (text === undefined || !MAY_DECLARE_SPEC.test(text)) return undefined;
  const parsed = await ctx.structured(side, path);
  if (!parsed) return undefined;
  const version = specVersionOf(parsed.docs[0]?.value);
  if (version !== undefined) return version;
  // A spec with a syntax error still declares itself on its first lines: report it rather than skip it.
  if (parsed.errors.length > 0) {
    const text = (await ctx.text(side, path)) ?? "";
    if (mayBeOpenApiText(text.slice(0, 4000))) return "unknown";
  }
  return undefined;
}

/** Most files read to look for the root documents of changed fragments, per review. */
const MAX_ROOT_CANDIDATES = 400;
/** Most files read per directory above the fragments (a directory of 1,000 manifests is not read whole). */
const MAX_ROOT_CANDIDATES_PER_DIR = 50;
/** Candidate roots read at once. */
const ROOT_READ_BATCH = 64;

/**
 * Unchanged root documents whose `$ref` closure includes a changed fragment. A root is recognised by its
 * content (an `openapi:`/`swagger:` version key with `paths:`/`info:`), never by its name. The YAML/JSON files
 * directly in the fragments' directories and every directory above them are read first (where split specs
 * keep their root; at most MAX_ROOT_CANDIDATES_PER_DIR each); then, for fragments that look like spec pieces
 * and have no root yet, the files one
 * directory below those (a root in `api/` next to fragments in `schemas/`), nearest first. At most
 * MAX_ROOT_CANDIDATES files are read.
 */
async function specsReferencing(ctx: ReviewView, fragments: ChangedFile[], known: Set<string>): Promise<SpecPair[]> {
  const ancestors = new Set<string>();
  for (const f of fragments) {
    for (let dir = posix.dirname(f.path); ; dir = posix.dirname(dir)) {
      ancestors.add(dir);
      if (dir === ".") break;
    }
  }
  const fragmentPaths = new Set(fragments.flatMap((f) => [f.path, ...(f.previousPath ? [f.previousPath] : [])]));
  const specLike: ChangedFile[] = [];
  for (const f of fragments) {
    const text = (await ctx.text("head", f.path)) ?? (f.status === "removed" ? await ctx.text("base", f.previousPath ?? f.path) : undefined);
    // (A Kubernetes manifest has schema-like keys too, but never sits in a spec.)
    if (text !== undefined && looksLikeSpecFragment(text) && !/^apiVersion:/m.test(text)) specLike.push(f);
  }
  const nearDirs = new Set(specLike.flatMap((f) => [...ancestors].filter((d) => f.path.startsWith(d === "." ? "" : `${d}/`))));
  const nearness = (p: string) => Math.max(0, ...specLike.map((f) => sharedDirs(p, f.path)));
  const candidates = (await ctx.paths("head")).filter(
    (p) => SPEC_EXTENSION.test(p) && !known.has(p) && !fragmentPaths.has(p) && !isNotOwnContract(p) && !isLockfile(p) && !isPackageManifest(p),
  );
  // Nearest directory first: the fragment's own, then each one above.
  const depth = (p: string) => p.split("/").length;
  const perDir = new Map<string, number>();
  const inAncestors = candidates
    .filter((p) => ancestors.has(posix.dirname(p)))
    .sort((a, b) => depth(b) - depth(a) || a.localeCompare(b))
    .filter((p) => {
      const dir = posix.dirname(p);
      perDir.set(dir, (perDir.get(dir) ?? 0) + 1);
      return perDir.get(dir)! <= MAX_ROOT_CANDIDATES_PER_DIR;
    });
  const elsewhere = candidates
    .filter((p) => !ancestors.has(posix.dirname(p)) && nearDirs.has(posix.dirname(posix.dirname(p))))
    .map((p) => ({ p, near: nearness(p) }))
    .sort((a, b) => b.near - a.near || a.p.localeCompare(b.p))
    .map((c) => c.p);
  const out: SpecPair[] = [];
  const covered = new Set<string>();
  let read = 0;
  for (const [group, all] of [
    [inAncestors, true],
    [elsewhere, false],
  ] as const) {
    for (let i = 0; i < group.length && read < MAX_ROOT_CANDIDATES; i += ROOT_READ_BATCH) {
      // Past the fragments' own directories, look only while some fragment has no root yet.
      if (!all && specLike.every((f) => covered.has(f.path) || (f.previousPath !== undefined && covered.has(f.previousPath)))) return out;
      const batch = group.slice(i, Math.min(i + ROOT_READ_BATCH, i + MAX_ROOT_CANDIDATES - read));
      read += batch.length;
      const texts = await Promise.all(batch.map((p) => ctx.text("head", p)));
      for (const [j, path] of batch.entries()) {
        const text = texts[j];
        if (text === undefined || !mayBeOpenApiRootText(text)) continue;
        if ((await topLevelVersion(ctx, "head", path)) === undefined) continue;
        const head = await loadSpec(ctx, "head", path);
        const reached = head ? [...head.files.keys(), ...head.unreadable.map((u) => u.file)].filter((f) => fragmentPaths.has(f)) : [];
        if (!head || reached.length === 0) continue;
        for (const f of reached) covered.add(f);
        const base = (await topLevelVersion(ctx, "base", path)) !== undefined ? await loadSpec(ctx, "base", path) : undefined;
        out.push({ file: path, base, head });
      }
    }
  }
  return out;
}

/** How many leading directories two paths share. */
function sharedDirs(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  let n = 0;
  while (n < x.length - 1 && n < y.length - 1 && x[n] === y[n]) n++;
  return n;
}

/**
 * Reports what stops a spec from being judged: head parse errors and a spec that references more files
 * than are read are problems (the gate fails closed); refs that were not followed and unreadable
 * referenced files are notes naming file and line (one aggregated note when there are many).
 */
export function reportSpecIssues(ctx: ReviewView, pair: SpecPair): boolean {
  // Four rules judge the same specs: what stops one from being judged is the spec's, noted once per review.
  return ctx.memo(`openapi:spec-issues:${pair.file}`, (review) => reportSpecIssuesOnce(review, pair));
}

function reportSpecIssuesOnce(ctx: ReviewView, pair: SpecPair): boolean {
  let judgeable = true;
  for (const spec of [pair.base, pair.head]) {
    if (!spec) continue;
    for (const e of spec.parseErrors) {
      const where = `${e.file}:${e.line}:${e.column}`;
      if (spec.side === "head") {
        // Several rules read the same spec: the engine keeps one of identical problems.
        ctx.problem({ file: e.file, line: e.line, column: e.column, message: `cannot parse API spec ${where}: ${e.message}` });
        judgeable = false;
      } else {
        ctx.note(`the base version of ${e.file} does not parse (${where}: ${e.message}); compared as a new spec`, "not-judged");
      }
    }
    const loaded = specLoadReport(spec);
    for (const note of loaded.notes) ctx.note(note, "unresolved-ref");
    // A spec too large to load completely is not judged on the part that was read: the review fails closed.
    if (loaded.problem) {
      ctx.problem(loaded.problem);
      judgeable = false;
    }
  }
  return judgeable;
}

/** A spec side that loaded completely enough to compare. */
export function usable(spec: SpecDocument | undefined): SpecDocument | undefined {
  return spec?.ok ? spec : undefined;
}

/** Operations the PR adds: present at head, absent at base (renamed path parameters do not count). */
export function addedOperations(pair: SpecPair): OperationModel[] {
  const head = usable(pair.head);
  if (!head) return [];
  const headOps = operationsOf(head);
  const base = usable(pair.base);
  const baseOps = base ? operationsOf(base) : new Map<string, OperationModel>();
  return [...headOps.values()].filter((op) => !op.webhook && !baseOps.has(op.matchKey));
}

/** Major part of `info.version` (`2.1.0` → 2, `v3` → 3), or undefined when it is not a version number. */
export function majorOf(version: unknown): number | undefined {
  if (typeof version !== "string" && typeof version !== "number") return undefined;
  const m = /^\s*v?(\d+)(?:[.\-_]|$)/i.exec(String(version));
  return m ? Number(m[1]) : undefined;
}
