/**
 * One pass over the changed files that sorts contract files into API contracts (OpenAPI/Swagger,
 * GraphQL SDL, gRPC services, Thrift, RAML) and event contracts (AsyncAPI, Avro, Protobuf messages,
 * event JSON Schemas, CloudEvents). Shared by the api-contract and event-contract triggers and cached
 * per review, so each file is read once.
 */
import type { ChangedFile } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { asyncApiLabel, mayBeAsyncApiText } from "../asyncapi/kind.js";
import { infraKindByPath } from "../infra/kinds.js";
import { mayBeKubernetesText } from "../kubernetes/objects.js";
import { mayBeOpenApiText, openApiLabel } from "../openapi/kind.js";
import { dirname, extension, pathIndex } from "../common/paths.js";
import { SpecDocument } from "../refs/spec-document.js";
import { isAsyncApiDocument } from "../asyncapi/kind.js";
import {
  eventSchemaPlace,
  graphqlDefinitionLine,
  isAvroPath,
  isCloudEventSchema,
  isGraphqlPath,
  hasEventName,
  isJsonSchemaDocument,
  isObjectSchema,
  isProtoPath,
  isThriftPath,
  mayBeJsonSchemaText,
  mayBeObjectSchemaText,
  protoMessageLine,
  protoServiceLine,
} from "./kinds.js";
import { graphqlSubstance, protoSubstance, specChangedMaterially } from "../common/material.js";
import { isRecord } from "../../engine/structured.js";
import type { TriggerHit } from "../../engine/types.js";
import { looksLikeSpecFragment, refReach, withFileRefsInlined } from "../openapi/fragments.js";
import {
  documentValue,
  firstAddedLine,
  isIgnoredForContracts,
  lineMatching,
  noteUnparsable,
  pathAt,
  sideOf,
  verbOf,
} from "../common/changed-files.js";

export interface ContractHits {
  api: TriggerHit[];
  event: TriggerHit[];
}

/** API and event contract files the change touches: classified once per review, read by both contract triggers and the event rule. */
export function contractHits(ctx: ReviewView): Promise<ContractHits> {
  return ctx.memo("contracts:contract-files", classifyAll);
}

/** A diff line with GraphQL content (anything but blank lines, comments and description strings). */
const GRAPHQL_DIFF_SUBSTANCE = /\S/;
const GRAPHQL_DIFF_DOC = /^\s*(#|"""|"(?:[^"\\]|\\.)*"\s*$)/;

const UNPARSED_OPENAPI = /^["']?(openapi|swagger)["']?\s*:\s*["']?\d/m;
const UNPARSED_ASYNCAPI = /^["']?asyncapi["']?\s*:\s*["']?\d/m;

async function classifyAll(ctx: ReviewView): Promise<ContractHits> {
  const out: ContractHits = { api: [], event: [] };
  const fragments: ChangedFile[] = [];
  for (const file of ctx.files) {
    if (isIgnoredForContracts(file)) continue;
    const ext = extension(file.path);
    if (ext === "proto") await classifyProto(ctx, file, out);
    else if (isGraphqlPath(file.path)) await classifyGraphql(ctx, file, out);
    else if (isThriftPath(file.path)) await classifyThrift(ctx, file, out);
    else if (ext === "raml") add(out.api, await hit(ctx, file, "other", `RAML API definition`));
    else if (isAvroPath(file.path)) add(out.event, await hit(ctx, file, "avro", "Avro schema"));
    else if (ext === "yaml" || ext === "yml" || ext === "json") {
      const found = await classifyStructured(ctx, file, out);
      if (!found) fragments.push(file);
    }
  }
  if (fragments.length > 0) await classifyFragments(ctx, fragments, out);
  return out;
}

type Family = "spec" | "proto" | "graphql" | "avro" | "other";

/**
 * A modified contract file counts only when the contract itself changed: edits to descriptions,
 * examples, the document's version or title, comments, or .proto language options are documentation
 * (noted, not counted). A file that cannot be compared counts.
 */
async function changedMaterially(ctx: ReviewView, file: ChangedFile, family: Family, inlineRefs = false): Promise<boolean> {
  if (file.status !== "modified" && file.status !== "renamed") return true;
  const before = await ctx.text("base", pathAt(file, "base"));
  const after = await ctx.text("head", file.path);
  if (before === undefined || after === undefined) return true;
  if (before === after) return file.status !== "renamed";
  let material = true;
  if (family === "proto") material = protoSubstance(before) !== protoSubstance(after);
  else if (family === "graphql") material = graphqlSubstance(before) !== graphqlSubstance(after);
  else if (family === "spec" || family === "avro") {
    const a = await documentValue(ctx, "base", pathAt(file, "base"));
    const b = await documentValue(ctx, "head", file.path);
    const parsedOk = (d: typeof a) => d !== undefined && (d.parsed === undefined || d.parsed.errors.length === 0);
    if (parsedOk(a) && parsedOk(b)) {
      material = specChangedMaterially(a!.value, b!.value);
      if (material && inlineRefs) {
        // A fragment whose `$ref` moved to an equivalent file keeps its contract.
        const inlinedBefore = await withFileRefsInlined(ctx, "base", pathAt(file, "base"), a!.value);
        const inlinedAfter = await withFileRefsInlined(ctx, "head", file.path, b!.value);
        material = specChangedMaterially(inlinedBefore, inlinedAfter);
      }
    }
  }
  if (!material)
    ctx.note(
      `${file.path}: only documentation changed (descriptions, examples, version, comments or language options); not counted as a contract change`,
    );
  return material;
}

function add(list: TriggerHit[], found: TriggerHit | undefined): void {
  if (found) list.push(found);
}

/** The hit for a contract file, or undefined when a modification only touched its documentation. */
async function hit(
  ctx: ReviewView,
  file: ChangedFile,
  family: Family,
  what: string,
  addedLine?: number,
  suffix = "",
  inlineRefs = false,
): Promise<TriggerHit | undefined> {
  if (!(await changedMaterially(ctx, file, family, inlineRefs))) return undefined;
  const verb = verbOf(file);
  const from = file.status === "renamed" && file.previousPath ? ` (from ${file.previousPath})` : "";
  const line = file.status === "added" || file.status === "copied" ? addedLine : await firstAddedLine(ctx, file);
  const result: TriggerHit = { file: file.path, reason: `${verb} ${what} ${file.path}${from}${suffix}` };
  if (line !== undefined) result.line = line;
  return result;
}

async function classifyProto(ctx: ReviewView, file: ChangedFile, out: ContractHits): Promise<void> {
  const side = sideOf(file);
  const text = await ctx.text(side, pathAt(file, side));
  if (text === undefined) return;
  const serviceLine = protoServiceLine(text);
  if (serviceLine !== undefined) {
    add(out.api, await hit(ctx, file, "proto", "gRPC service definition", serviceLine));
    return;
  }
  const messageLine = protoMessageLine(text);
  if (messageLine === undefined) return;
  // Messages next to a gRPC service belong to that API; messages on their own are exchanged as events.
  const serviceFile = await siblingProtoWithService(ctx, file);
  if (serviceFile) add(out.api, await hit(ctx, file, "proto", "Protobuf messages", messageLine, ` of the gRPC API in ${serviceFile}`));
  else add(out.event, await hit(ctx, file, "proto", "Protobuf message schema", messageLine));
}

async function siblingProtoWithService(ctx: ReviewView, file: ChangedFile): Promise<string | undefined> {
  const side = sideOf(file);
  const index = pathIndex(await ctx.paths(side));
  const siblings = index.filesIn(dirname(pathAt(file, side))).filter((p) => isProtoPath(p) && p !== pathAt(file, side));
  for (const sibling of siblings.slice(0, 20)) {
    const text = await ctx.text(side, sibling);
    if (text !== undefined && protoServiceLine(text) !== undefined) return sibling;
  }
  return undefined;
}

async function classifyGraphql(ctx: ReviewView, file: ChangedFile, out: ContractHits): Promise<void> {
  const side = sideOf(file);
  const content = await ctx.read(side, pathAt(file, side));
  if (content.kind === "too-large") {
    // Big generated schemas (a whole API in one schema.graphql) exceed the read limit; client operation
    // documents never get that big. Judge by the diff: any changed line that is not a comment or description.
    const lines = [...ctx.removedLines(file.path), ...(await ctx.addedLines(file.path))];
    const sdl = lines.find((l) => GRAPHQL_DIFF_SUBSTANCE.test(l.text) && !GRAPHQL_DIFF_DOC.test(l.text));
    if (sdl || (file.patch === undefined && /schema/i.test(file.path))) {
      ctx.note(`${file.path}: too large to read; judged as a GraphQL schema from ${sdl ? "its diff" : "its name"}`);
      add(
        out.api,
        await hit(ctx, file, "graphql", "GraphQL schema", file.status === "added" ? undefined : (await ctx.addedLines(file.path))[0]?.line),
      );
    }
    return;
  }
  if (content.kind !== "text") return;
  const text = content.text;
  const line = graphqlDefinitionLine(text);
  // Client operations (queries, fragments) use the contract; only type definitions define it.
  if (line !== undefined) add(out.api, await hit(ctx, file, "graphql", "GraphQL schema", line));
}

async function classifyThrift(ctx: ReviewView, file: ChangedFile, out: ContractHits): Promise<void> {
  const side = sideOf(file);
  const text = await ctx.text(side, pathAt(file, side));
  if (text === undefined) return;
  const line = protoServiceLine(text);
  if (line !== undefined) add(out.api, await hit(ctx, file, "other", "Thrift service definition", line));
}

/** A top-level version key of a block-style YAML spec: column 0 is top level, so no parser is needed. */
const YAML_SPEC_KEY = /^(openapi|swagger|asyncapi)[ \t]*:[ \t]*["']?(\d+)(?:\.(\d+))?/m;
const SPEC_NAMES: Record<string, string> = { openapi: "OpenAPI", swagger: "Swagger", asyncapi: "AsyncAPI" };

/** OpenAPI, AsyncAPI and event schemas; true when the file was recognised as one of them. */
async function classifyStructured(ctx: ReviewView, file: ChangedFile, out: ContractHits): Promise<boolean> {
  const side = sideOf(file);
  const path = pathAt(file, side);
  const text = await ctx.text(side, path);
  if (text === undefined) return true;
  const place = eventSchemaPlace(file.path);
  const api = mayBeOpenApiText(text);
  const asyncApi = mayBeAsyncApiText(text);
  const messages = /^\s{1,4}payload\s*:/m.test(text);
  if (!api && !asyncApi && !messages && !mayBeJsonSchemaText(text) && place !== "event-dir" && !mayBeObjectSchemaText(text)) return false;

  if (extension(path) !== "json") {
    const key = YAML_SPEC_KEY.exec(text);
    if (key) {
      const label = `${SPEC_NAMES[key[1]!]} ${key[2]}${key[3] !== undefined ? `.${key[3]}` : ""} document`;
      const line = text.slice(0, key.index).split("\n").length;
      add(key[1] === "asyncapi" ? out.event : out.api, await hit(ctx, file, "spec", label, line));
      return true;
    }
  }
  const doc = await documentValue(ctx, side, path);
  if (!doc) return true;
  const { value, parsed } = doc;
  const apiLabel = openApiLabel(value);
  if (apiLabel) {
    add(out.api, await hit(ctx, file, "spec", `${apiLabel} document`, lineMatching(text, /["']?(openapi|swagger)["']?\s*:/)));
    return true;
  }
  const asyncLabel = asyncApiLabel(value);
  if (asyncLabel) {
    add(out.event, await hit(ctx, file, "spec", `${asyncLabel} document`, lineMatching(text, /["']?asyncapi["']?\s*:/)));
    return true;
  }
  if (parsed && parsed.docs.length === 0 && parsed.errors.length > 0) {
    // Broken YAML that still announces itself as a spec counts by its unambiguous version key.
    if (UNPARSED_OPENAPI.test(text)) {
      noteUnparsable(ctx, path, parsed, "counted as an OpenAPI document by its version key");
      add(out.api, await hit(ctx, file, "spec", "OpenAPI document"));
      return true;
    }
    if (UNPARSED_ASYNCAPI.test(text)) {
      noteUnparsable(ctx, path, parsed, "counted as an AsyncAPI document by its version key");
      add(out.event, await hit(ctx, file, "spec", "AsyncAPI document"));
      return true;
    }
    if (place === "event-dir" && /\$schema|"properties"|^properties\s*:/m.test(text)) {
      noteUnparsable(ctx, path, parsed, "counted as an event schema by its location");
      add(out.event, await hit(ctx, file, "spec", "event schema"));
      return true;
    }
    return false;
  }
  if (messages && isAsyncApiMessageFragment(value)) {
    add(out.event, await hit(ctx, file, "spec", "AsyncAPI message definitions", lineMatching(text, /^\s{1,4}payload\s*:/m)));
    return true;
  }
  if (isCloudEventSchema(value)) {
    add(out.event, await hit(ctx, file, "spec", "CloudEvents schema", lineMatching(text, /specversion/)));
    return true;
  }
  if (place !== undefined && isJsonSchemaDocument(value)) {
    add(out.event, await hit(ctx, file, "spec", "event JSON Schema", lineMatching(text, /["']?\$(schema|id)["']?\s*:/)));
    return true;
  }
  if (place === "event-dir" && isRecord(value) && value.type === "object" && isRecord(value.properties)) {
    add(out.event, await hit(ctx, file, "spec", "event schema", lineMatching(text, /^\s*["']?type["']?\s*:/m)));
    return true;
  }
  return false;
}

/**
 * A file of a split AsyncAPI document holding messages: a map whose entries all carry a `payload`
 * (directly, under `messages:` or under `components.messages`).
 */
function isAsyncApiMessageFragment(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const components = isRecord(value.components) ? value.components : undefined;
  const map = isRecord(components?.messages) ? components.messages : isRecord(value.messages) ? value.messages : value;
  const entries = Object.values(map);
  return entries.length > 0 && entries.every((m) => isRecord(m) && "payload" in m);
}

/**
 * Split OpenAPI specs (api/openapi.yaml with api/paths/*.yaml, api/components/schemas/*.yaml): a file
 * without a version key of its own is part of a contract only when a `$ref` chain from an OpenAPI root
 * document reaches it. Living under the root's directory is not enough: a Spring `application.yml`, a
 * Helm `values.yaml` or a `package.json` beside a spec that references no file are not pieces of it.
 */
async function classifyFragments(ctx: ReviewView, files: ChangedFile[], out: ContractHits): Promise<void> {
  const candidates: ChangedFile[] = [];
  for (const file of files) {
    if (infraKindByPath(file.path) !== undefined) continue;
    const side = sideOf(file);
    const text = await ctx.text(side, pathAt(file, side));
    if (text === undefined || mayBeKubernetesText(text)) continue;
    if (looksLikeSpecFragment(text)) candidates.push(file);
  }
  const reached = candidates.length > 0 ? await classifyReferencedFragments(ctx, candidates, out) : new Set<string>();
  await classifyEventSchemaFiles(
    ctx,
    candidates.filter((f) => !reached.has(f.path)),
    out,
  );
}

/**
 * Plain JSON Schema event files, known by content and place: an object schema (`$schema`, or
 * `type: object` with `properties`) that an AsyncAPI document's `$ref`s reach, or that sits among event
 * schemas (a directory holding at least two object schemas named like events: `RestaurantCreated.json`,
 * `RestaurantMenuRevised.json`, `OrderCancelledEvent.json`). An OpenAPI `$ref` reaching the file makes it
 * part of that API instead (classified before).
 */
async function classifyEventSchemaFiles(ctx: ReviewView, files: ChangedFile[], out: ContractHits): Promise<void> {
  for (const file of files) {
    const side = sideOf(file);
    const path = pathAt(file, side);
    const text = await ctx.text(side, path);
    if (text === undefined) continue;
    const doc = await documentValue(ctx, side, path);
    if (!doc || !isObjectSchema(doc.value)) continue;
    const line = lineMatching(text, /["']?\$schema["']?\s*:/) ?? lineMatching(text, /["']?type["']?\s*:/);
    const asyncApi = await asyncApiReferencing(ctx, side, path);
    if (asyncApi) {
      add(out.event, await hit(ctx, file, "spec", "event JSON Schema", line, `, referenced from the AsyncAPI document ${asyncApi}`));
      continue;
    }
    if (await amongEventSchemas(ctx, side, path)) {
      add(out.event, await hit(ctx, file, "spec", "event JSON Schema", line, ", among the event schemas of its directory"));
    }
  }
}

/** At least two object schemas named like events in the file's directory (the file itself included). */
async function amongEventSchemas(ctx: ReviewView, side: "base" | "head", path: string): Promise<boolean> {
  const index = pathIndex(await ctx.paths(side));
  const named = index.filesIn(dirname(path)).filter((p) => /\.(json|ya?ml)$/i.test(p) && hasEventName(p));
  let events = 0;
  for (const sibling of named.slice(0, 20)) {
    const doc = await documentValue(ctx, side, sibling);
    if (doc && isObjectSchema(doc.value) && ++events >= 2) return true;
  }
  return false;
}

/** Most AsyncAPI documents loaded per review to see whether they reference a schema file. */
const MAX_ASYNCAPI_DOCS = 20;

/** An AsyncAPI document in one of the file's ancestor directories whose `$ref`s reach it. */
async function asyncApiReferencing(ctx: ReviewView, side: "base" | "head", path: string): Promise<string | undefined> {
  const docs = await ctx.memo(`contracts:asyncapi-docs:${side}`, async (review) => {
    const found: string[] = [];
    for (const candidate of await review.paths(side)) {
      if (found.length >= MAX_ASYNCAPI_DOCS) break;
      if (!/\.(json|ya?ml)$/i.test(candidate)) continue;
      if (!/asyncapi/i.test(candidate) && !/(^|\/)(events?|messaging|async|api|specs?|contracts?)\//i.test(`/${candidate}`)) continue;
      const text = await review.text(side, candidate);
      if (text !== undefined && (UNPARSED_ASYNCAPI.test(text) || /"asyncapi"\s*:\s*"\d/.test(text))) found.push(candidate);
    }
    return found;
  });
  for (const root of docs) {
    if (root === path || !(path.startsWith(`${dirname(root)}/`) || dirname(root) === "")) continue;
    const spec = await SpecDocument.load(ctx, side, root);
    if (spec?.ok && isAsyncApiDocument(spec.rootValue) && spec.files.has(path)) return root;
  }
  return undefined;
}

/**
 * Fragments anywhere in the tree that a `$ref` chain from an OpenAPI/Swagger root document
 * reaches (see formats/openapi/fragments.ts). Files reached only through examples or code samples are
 * documentation; a fragment is compared with its file `$ref`s inlined one level.
 */
async function classifyReferencedFragments(ctx: ReviewView, files: ChangedFile[], out: ContractHits): Promise<Set<string>> {
  const reachedFiles = new Set<string>();
  for (const side of ["head", "base"] as const) {
    const mine = files.filter((f) => sideOf(f) === side);
    if (mine.length === 0) continue;
    const reach = await refReach(
      ctx,
      side,
      mine.map((f) => pathAt(f, side)),
    );
    // Modified files first: a new file reached only from changed files whose contract stayed the same
    // (a ref moved to an equivalent new file) is not a change of its own.
    const quiet = new Set<string>();
    const order = [...mine].sort((x, y) => Number(x.status === "added") - Number(y.status === "added"));
    for (const file of order) {
      const found = reach.get(pathAt(file, side));
      if (!found) continue;
      reachedFiles.add(file.path);
      if (found.exampleOnly) {
        ctx.note(`${file.path}: referenced from ${found.root} only as examples or code samples; not counted as a contract change`);
        continue;
      }
      if (file.status === "added" && quiet.has(found.via)) {
        ctx.note(`${file.path}: new file referenced from ${found.via}, whose contract did not change; not counted`);
        continue;
      }
      const result = await hit(ctx, file, "spec", "OpenAPI fragment", undefined, `, reached through $ref from ${found.root}`, true);
      if (!result) quiet.add(pathAt(file, side));
      add(out.api, result);
    }
  }
  return reachedFiles;
}
