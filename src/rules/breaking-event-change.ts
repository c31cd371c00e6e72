/**
 * breaking-event-change: an event schema change that existing consumers (or producers) cannot live with.
 *
 * Which files are event contracts is the event-contract trigger's classification (AsyncAPI documents, Avro
 * schemas, Protobuf files without a gRPC service, event JSON Schemas, CloudEvents schemas), so the trigger
 * and the rule never disagree about what an event schema is. Each changed one is compared with its base
 * version under the configured compatibility mode (Confluent Schema Registry's terms):
 * - AsyncAPI 2.x/3.x: channels and messages removed; message payloads as JSON Schema (refs followed inside the
 *   PR's tree only);
 * - JSON Schema: `contracts/json-schema.ts`;
 * - Avro: avsc schema resolution (`contracts/avro.ts`);
 * - Protobuf: wire-level breaks (`contracts/protobuf.ts`), whatever the mode: they break both directions.
 *
 * Category `data`: an event schema is a data contract; a break poisons a topic with records some consumer
 * cannot decode, and unlike a failed request those records stay written.
 */
import { posix } from "node:path";
import { z } from "zod";
import type { ChangedFile, Side } from "../engine/change.js";
import { defineRule, type ReviewView } from "../engine/types.js";
import { isAsyncApiDocument } from "../formats/asyncapi/kind.js";
import { extension } from "../formats/common/paths.js";
import { isRecord } from "../engine/structured.js";
import { contractHits } from "../formats/contracts/contract-files.js";
import { codeContracts } from "../formats/contracts/code-contracts.js";
import {
  avroFromValue,
  diffAvro,
  parseAvro,
  registerAvro,
  undefinedTypeName,
  type AvroParseResult,
  type AvroRegistry,
} from "../formats/avro/avro.js";
import {
  diffJsonSchemas,
  SchemaTooComplexError,
  type UnresolvedRef,
  type Compatibility,
  type JsonSchemaBreak,
  type SchemaRoot,
} from "../formats/json-schema/diff.js";
import { packageFiles, protoImports } from "../formats/protobuf/package-files.js";
import { diffProtoMessages, parseProtoFiles } from "../formats/protobuf/protobuf.js";
import { SpecDocument, type SpecNode, specLoadReport } from "../formats/refs/spec-document.js";
import { eventRemediation } from "../formats/contracts/advice.js";
import { nearestLineAtHead } from "../formats/common/removed.js";

const options = z.object({
  /**
   * Which readers must keep working (Confluent Schema Registry terms): `backward` (default) — consumers on the
   * new schema read events written with the old one; `forward` — consumers still on the old schema read
   * events written with the new one; `full` — both.
   */
  compatibility: z
    .enum(["backward", "forward", "full"])
    .default("backward")
    .describe(
      "Confluent Schema Registry's compatibility mode: `backward` lets consumers on the new schema read events written with the old one, `forward` the reverse, `full` both.",
    ),
  /** Judge event classes declared in code (Java, Kotlin, C#, Python, TypeScript): a removed or renamed field of a published event breaks its consumers. */
  codeEvents: z
    .boolean()
    .default(true)
    .describe(
      "Judge event classes declared in code: a field removed or renamed in a published event class (an integration or domain event, a class of an events package or published API module) breaks its consumers.",
    ),
});
const REMEDIATION =
  "Evolve the schema compatibly (add optional fields with defaults, keep field numbers and enum values, reserve what you remove), " +
  "or publish a new event type/topic version and migrate consumers, " +
  "or describe the rollout order in a PR description section with the configured migration-plan heading.";

/** One break before it becomes a finding. */
interface EventBreak {
  file: string;
  line: number;
  /** Which version the line is in. */
  side: Side;
  what: string;
  key: string;
  /** What the break is regardless of the route that found it (a schema file judged alone or through AsyncAPI). */
  same: string;
}

export const breakingEventChange = defineRule({
  meta: {
    id: "breaking-event-change",
    title: "Breaking event change",
    category: "data",
    defaultSeverity: "error",
    description:
      "An AsyncAPI, JSON Schema, Avro or Protobuf event schema change that breaks existing consumers or producers under the configured compatibility mode, or a field removed from a published event class in code.",
    options,
    messages: {
      breakingChange: "Breaking event change: {{change}}.",
      breakingChangeAtBase: "Breaking event change: {{change}} (line {{baseLine}} in the base version).",
    },
    remediation: REMEDIATION,
    acceptsMigrationPlan: true,
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const hits = (await contractHits(ctx)).event;
    const found: EventBreak[] = [];
    const judged = new Set<string>();
    for (const hit of hits) {
      const file = ctx.file(hit.file);
      // New schemas have nobody to break; removed ones are the service-retirement trigger's business.
      if (!file || file.status === "added" || file.status === "copied") continue;
      if (file.status === "removed") {
        ctx.note(`${file.path} was removed; make sure no producer or consumer still uses it`);
        continue;
      }
      judged.add(file.path);
      found.push(...(await guarded(ctx, file.path, () => judgeFile(ctx, file, opts.compatibility))));
    }
    found.push(...(await judgeUnchangedAsyncApiDocs(ctx, judged, opts.compatibility)));
    if (opts.codeEvents) found.push(...(await codeEventBreaks(ctx)));
    // One finding per break: a schema file may be judged on its own and through an AsyncAPI document that
    // uses it; the document's view names the message, so it is the one kept.
    const preferred = new Map<string, EventBreak>();
    for (const b of found) {
      const kept = preferred.get(b.same);
      if (!kept || (!kept.key.startsWith("asyncapi ") && b.key.startsWith("asyncapi "))) preferred.set(b.same, b);
    }
    const breaks = [...preferred.values()];
    for (const b of breaks) {
      const headLine = b.side === "base" ? await nearestLineAtHead(ctx, b.file, b.file, b.line) : undefined;
      const removed = headLine !== undefined;
      ctx.report({
        messageId: b.side === "base" ? "breakingChangeAtBase" : "breakingChange",
        data: { change: b.what, baseLine: b.line },
        file: b.file,
        line: headLine ?? b.line,
        baseLine: removed ? b.line : undefined,
        remediation: eventRemediation(b.file, b.what),
        key: b.key,
      });
    }
  },
});

/**
 * Fields removed (or renamed: a removal and an addition) from an event class a service publishes: consumers
 * deserialising the old field get nothing. Reported at the field's base line; a class removed altogether is
 * only noted (a retired event is the trigger's business), and a retyped field only fires the trigger (many
 * serialisers map an enum or a wider number onto the old values).
 */
async function codeEventBreaks(ctx: ReviewView): Promise<EventBreak[]> {
  const out: EventBreak[] = [];
  for (const change of (await codeContracts(ctx)).events) {
    if (change.kind !== "changed" || !change.before?.published) continue;
    const added = change.addedFields.map((f) => f.name);
    for (const field of change.removedFields) {
      const renamed = change.addedFields.length === 1 && change.removedFields.length === 1 ? ` (renamed to ${added[0]})` : "";
      out.push({
        file: change.baseFile ?? change.file,
        line: field.line,
        side: "base",
        what: `field ${field.name}${renamed} removed from the published event ${change.event.name} (${change.before.evidence}): consumers still reading it get nothing`,
        key: `event ${change.event.name} field ${field.name} removed`,
        same: `${change.file} ${change.event.name} ${field.name}`,
      });
    }
  }
  return out;
}

/** A schema too complex to compare fails the review closed for that file instead of passing it unseen. */
async function guarded(ctx: ReviewView, path: string, judge: () => Promise<EventBreak[]>): Promise<EventBreak[]> {
  try {
    return await judge();
  } catch (error) {
    if (!(error instanceof SchemaTooComplexError)) throw error;
    ctx.problem({ file: path, message: `breaking-event-change: ${path}: ${error.message}; review the change by hand` });
    return [];
  }
}

async function judgeFile(ctx: ReviewView, file: ChangedFile, mode: Compatibility): Promise<EventBreak[]> {
  const basePath = file.previousPath ?? file.path;
  const ext = extension(file.path);
  if (ext === "avsc") return judgeAvro(ctx, file, basePath, mode);
  if (ext === "proto") return judgeProto(ctx, file, basePath);
  if (ext === "yaml" || ext === "yml" || ext === "json") return judgeStructured(ctx, file, basePath, mode);
  if (ext === "avpr" || ext === "avdl") ctx.note(`${file.path}: Avro protocol/IDL files are not compared (only .avsc schemas)`, "not-judged");
  return [];
}

// ---------------------------------------------------------------------------------------------------
// Avro

async function judgeAvro(ctx: ReviewView, file: ChangedFile, basePath: string, mode: Compatibility): Promise<EventBreak[]> {
  const [baseText, headText] = await Promise.all([ctx.text("base", basePath), ctx.text("head", file.path)]);
  if (baseText === undefined || headText === undefined) return [];
  const head = await loadAvro(ctx, "head", file.path, headText);
  if (!head.ok) {
    ctx.problem({ file: file.path, line: head.line, message: `breaking-event-change: ${file.path} is not a valid Avro schema: ${head.message}` });
    return [];
  }
  const base = await loadAvro(ctx, "base", basePath, baseText);
  if (!base.ok) {
    ctx.note(`${basePath}:${base.line}: the base version is not a valid Avro schema (${base.message}); not compared`, "not-judged");
    return [];
  }
  return diffAvro(base.schema, head.schema, mode).map((b) => ({
    file: b.side === "base" ? basePath : file.path,
    line: b.line,
    side: b.side,
    what: `Avro schema ${file.path}: ${b.message}`,
    key: `avro ${b.key}`,
    same: `${b.side === "base" ? basePath : file.path}:${b.line}:avro ${b.key}`,
  }));
}

/** Most other .avsc files read to resolve the named types one schema refers to. */
const MAX_AVRO_IMPORTS = 30;

/**
 * Parses an .avsc file whose fields may name types defined in other .avsc files of the same tree (the
 * avro-maven-plugin "imports" layout): each undefined name is looked up in a file named after it, then in
 * the other .avsc files next to it or below the same root.
 */
async function loadAvro(ctx: ReviewView, side: Side, path: string, text: string): Promise<AvroParseResult> {
  const registry: AvroRegistry = {};
  let result = parseAvro(text, registry);
  const tried = new Set<string>([path]);
  let candidates: string[] | undefined;
  for (let round = 0; !result.ok && round < MAX_AVRO_IMPORTS; round++) {
    const missing = undefinedTypeName(result.message);
    if (!missing || registry[missing]) break;
    candidates ??= (await ctx.paths(side)).filter((p) => extension(p) === "avsc");
    const short = `${missing.split(".").at(-1)}.avsc`;
    const ordered = [...candidates.filter((p) => posix.basename(p) === short), ...candidates.filter((p) => posix.dirname(p) === posix.dirname(path))];
    let found = false;
    for (const candidate of ordered) {
      if (tried.has(candidate)) continue;
      tried.add(candidate);
      const other = await ctx.text(side, candidate);
      if (other !== undefined && registerAvro(other, registry) && registry[missing]) {
        found = true;
        break;
      }
      if (tried.size > MAX_AVRO_IMPORTS) break;
    }
    if (!found) break;
    result = parseAvro(text, registry);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Protobuf

async function judgeProto(ctx: ReviewView, file: ChangedFile, basePath: string): Promise<EventBreak[]> {
  const [baseText, headText] = await Promise.all([ctx.text("base", basePath), ctx.text("head", file.path)]);
  if (baseText === undefined || headText === undefined) return [];
  const headFiles = await packageFiles(ctx, "head", file.path, headText);
  const head = parseProtoFiles(headFiles, await protoImports(ctx, "head", headFiles));
  if (!head.ok) {
    const where = head.file ?? file.path;
    ctx.problem({ file: where, line: head.line, message: `breaking-event-change: ${where} does not parse as Protobuf: ${head.message}` });
    return [];
  }
  const baseFiles = await packageFiles(ctx, "base", basePath, baseText);
  const base = parseProtoFiles(baseFiles, await protoImports(ctx, "base", baseFiles));
  if (!base.ok) {
    ctx.note(`${base.file ?? basePath}:${base.line}: the base version does not parse as Protobuf (${base.message}); not compared`, "not-judged");
    return [];
  }
  return diffProtoMessages(base.schema, head.schema).map((b) => {
    const where = b.file ?? (b.side === "base" ? basePath : file.path);
    return {
      file: where,
      line: b.line,
      side: b.side,
      what: `Protobuf ${where}: ${b.message} [buf ${b.rule}]`,
      key: `proto ${b.key}`,
      same: `${where}:${b.line}:proto ${b.key}`,
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// AsyncAPI and JSON Schema (YAML/JSON files, `$ref`s followed inside the PR's tree)

async function judgeStructured(ctx: ReviewView, file: ChangedFile, basePath: string, mode: Compatibility): Promise<EventBreak[]> {
  const [base, head] = await Promise.all([SpecDocument.load(ctx, "base", basePath), SpecDocument.load(ctx, "head", file.path)]);
  if (!head || !base) return [];
  if (!head.ok) {
    const error = head.parseErrors[0];
    ctx.problem({
      file: error?.file ?? file.path,
      line: error?.line ?? 1,
      column: error?.column,
      message: `breaking-event-change: ${error?.file ?? file.path} does not parse: ${error?.message ?? "empty document"}`,
    });
    return [];
  }
  if (!base.ok) {
    ctx.note(`${basePath}: the base version does not parse; not compared`, "not-judged");
    return [];
  }
  for (const spec of [base, head]) {
    const loaded = specLoadReport(spec, {
      subject: "schema",
      single: (issue) => `${issue.file}:${issue.line}: $ref ${issue.ref} ${issue.reason}`,
      unreadable: false,
    });
    for (const note of loaded.notes) ctx.note(note, "unresolved-ref");
    if (loaded.problem) {
      ctx.problem(loaded.problem);
      return [];
    }
    for (const e of spec.parseErrors) {
      if (spec === head)
        ctx.problem({
          file: e.file,
          line: e.line,
          column: e.column,
          message: `breaking-event-change: ${e.file} (referenced by ${file.path}) does not parse: ${e.message}`,
        });
    }
  }
  if (isAsyncApiDocument(head.rootValue) && isAsyncApiDocument(base.rootValue)) return judgeAsyncApi(ctx, file, base, head, mode);
  const unresolved: UnresolvedRef[] = [];
  const found = diffJsonSchemas(root(base), root(head), mode, unresolved);
  noteUnresolved(ctx, unresolved);
  return found.map((b) => jsonBreak(b, `JSON Schema ${file.path}`, `schema ${b.path}`));
}

/** Most unchanged AsyncAPI documents loaded to see whether they use a changed file. */
const MAX_UNCHANGED_DOCS = 20;
const ASYNCAPI_NAME = /asyncapi[^/]*\.(ya?ml|json)$/i;

/**
 * AsyncAPI documents the PR does not touch but whose `$ref`s reach a file it changes (payload schemas kept
 * in separate files): the messages are compared through the document, so the break names its message.
 */
async function judgeUnchangedAsyncApiDocs(ctx: ReviewView, judged: Set<string>, mode: Compatibility): Promise<EventBreak[]> {
  const changed = new Map(ctx.files.filter((f) => f.status === "modified" || f.status === "renamed").map((f) => [f.path, f]));
  const structuredChange = [...changed.keys()].some((p) => ["yaml", "yml", "json"].includes(extension(p)));
  if (!structuredChange) return [];
  // Includes changed documents the trigger did not count (documentation-only edits): their refs may still reach a changed schema.
  const candidates = (await ctx.paths("head")).filter((p) => ASYNCAPI_NAME.test(p) && !judged.has(p));
  const out: EventBreak[] = [];
  for (const path of candidates.slice(0, MAX_UNCHANGED_DOCS)) {
    const head = await SpecDocument.load(ctx, "head", path);
    if (!head?.ok || !isAsyncApiDocument(head.rootValue)) continue;
    const uses = [...head.files.keys()].filter((f) => f !== path && changed.has(f));
    if (uses.length === 0) continue;
    const base = await SpecDocument.load(ctx, "base", ctx.file(path)?.previousPath ?? path);
    if (!base?.ok || !isAsyncApiDocument(base.rootValue)) continue;
    for (const e of head.parseErrors) {
      ctx.problem({
        file: e.file,
        line: e.line,
        column: e.column,
        message: `breaking-event-change: ${e.file} (referenced by ${path}) does not parse: ${e.message}`,
      });
    }
    out.push(
      ...(await guarded(ctx, path, async () => judgeAsyncApi(ctx, { path, status: "modified", additions: 0, deletions: 0 }, base, head, mode))),
    );
  }
  if (candidates.length > MAX_UNCHANGED_DOCS) {
    ctx.note(`only the first ${MAX_UNCHANGED_DOCS} unchanged AsyncAPI documents were checked for references to changed files`, "not-judged");
  }
  return out;
}

function noteUnresolved(ctx: ReviewView, refs: UnresolvedRef[]): void {
  for (const r of refs)
    ctx.note(`${r.file}:${r.line} (${r.side}): $ref ${r.ref} does not resolve; that part of the schema is not compared`, "unresolved-ref");
}

function root(spec: SpecDocument): SchemaRoot {
  return { tree: spec, node: spec.rootNode() };
}

function jsonBreak(b: JsonSchemaBreak, subject: string, keyPrefix: string): EventBreak {
  return {
    file: b.file,
    line: b.line,
    side: b.side,
    what: `${subject}: ${b.message}`,
    key: `${keyPrefix} ${b.change} ${b.direction}`,
    same: `${b.file}:${b.line}:json ${b.change} ${b.direction}`,
  };
}

interface AsyncMessage {
  /** Stable identity: channel + operation + message name. */
  id: string;
  channel: string;
  node: SpecNode;
  channelNode: SpecNode;
}

/** Messages of an AsyncAPI document by identity (2.x: channels.*.publish/subscribe.message[.oneOf]; 3.x: channels.*.messages). */
function asyncMessages(spec: SpecDocument): { channels: Map<string, SpecNode>; messages: Map<string, AsyncMessage> } {
  const channels = new Map<string, SpecNode>();
  const messages = new Map<string, AsyncMessage>();
  const major = Number(/^(\d+)/.exec(String(spec.rootValue.asyncapi))?.[1] ?? 2);
  const rootNode = spec.rootNode();
  for (const [channelId, channelNode] of spec.entries(spec.child(rootNode, "channels"))) {
    // 3.x: consumers know the channel by its address; the id is only a name inside the document.
    const address = major >= 3 ? spec.child(channelNode, "address")?.value : undefined;
    const name = typeof address === "string" ? address : channelId;
    channels.set(name, channelNode);
    const add = (id: string, node: SpecNode) => messages.set(`${name} ${id}`, { id: `${name} ${id}`, channel: name, node, channelNode });
    if (major >= 3) {
      for (const [messageId, node] of spec.entries(spec.child(channelNode, "messages"))) add(messageId, node);
      continue;
    }
    // A message is known by its channel and name: which side of the channel the documenting application is on
    // (publish/subscribe) does not change what flows through it. The operation only tells same-named messages apart.
    const named: { op: string; name: string; node: SpecNode }[] = [];
    for (const op of ["publish", "subscribe"]) {
      const message = spec.child(spec.child(channelNode, op), "message");
      if (!message) continue;
      const variants = spec.items(spec.child(message, "oneOf"));
      const list = variants.length > 0 ? variants : [message];
      list.forEach((node, i) => named.push({ op, name: messageName(spec, node) ?? (variants.length > 0 ? `#${i}` : "message"), node }));
    }
    for (const m of named) add(named.filter((o) => o.name === m.name).length > 1 ? `${m.op} ${m.name}` : m.name, m.node);
  }
  return { channels, messages };
}

function messageName(spec: SpecDocument, node: SpecNode): string | undefined {
  const resolved = spec.deref(node).value;
  if (isRecord(resolved)) {
    for (const key of ["messageId", "name"]) if (typeof resolved[key] === "string") return resolved[key] as string;
  }
  return SpecDocument.refName(node.value);
}

/**
 * A message's payload schema and its format: 2.x `schemaFormat` on the message; 3.x a Multi Format Schema
 * Object (`payload: { schemaFormat, schema }`) or a plain schema.
 */
function payloadOf(spec: SpecDocument, message: SpecNode): [string | undefined, SpecNode | undefined] {
  const messageValue = spec.deref(message).value;
  const payload = spec.child(message, "payload");
  const payloadValue = payload ? spec.deref(payload).value : undefined;
  if (isRecord(payloadValue) && typeof payloadValue.schemaFormat === "string" && "schema" in payloadValue) {
    return [payloadValue.schemaFormat, spec.child(payload, "schema")];
  }
  return [isRecord(messageValue) && typeof messageValue.schemaFormat === "string" ? messageValue.schemaFormat : undefined, payload];
}

const JSON_SCHEMA_FORMAT = /^application\/(schema\+json|schema\+yaml|vnd\.aai\.asyncapi)/i;
const AVRO_FORMAT = /^application\/vnd\.apache\.avro/i;

/** An Avro payload (inline or a `$ref` to an .avsc file in the tree), judged like an .avsc file. */
function judgeAvroPayload(
  ctx: ReviewView,
  file: ChangedFile,
  id: string,
  base: SpecDocument,
  basePayload: SpecNode,
  head: SpecDocument,
  headPayload: SpecNode,
  mode: Compatibility,
): EventBreak[] {
  const load = (spec: SpecDocument, node: SpecNode) => {
    const resolved = spec.deref(node);
    return avroFromValue(spec.inline(resolved), (pointer) =>
      spec.lineOf({ file: resolved.loc.file, pointer: [...resolved.loc.pointer, ...pointer] }),
    );
  };
  const before = load(base, basePayload);
  const after = load(head, headPayload);
  if (!after.ok) {
    ctx.note(`${file.path}:${after.line}: message ${id} has an invalid Avro payload (${after.message})`, "not-judged");
    return [];
  }
  if (!before.ok) return [];
  const headFile = head.deref(headPayload).loc.file;
  const baseFile = base.deref(basePayload).loc.file;
  return diffAvro(before.schema, after.schema, mode).map((b) => ({
    file: b.side === "base" ? baseFile : headFile,
    line: b.line,
    side: b.side,
    what: `AsyncAPI ${file.path} message ${id} Avro payload: ${b.message}`,
    key: `asyncapi ${id} avro ${b.key}`,
    same: `${b.side === "base" ? baseFile : headFile}:${b.line}:avro ${b.key}`,
  }));
}

function judgeAsyncApi(ctx: ReviewView, file: ChangedFile, base: SpecDocument, head: SpecDocument, mode: Compatibility): EventBreak[] {
  const out: EventBreak[] = [];
  const major = (spec: SpecDocument) => /^(\d+)/.exec(String(spec.rootValue.asyncapi))?.[1];
  if (major(base) !== major(head)) {
    // 2.x and 3.x model channels and operations differently; a migration between them is reviewed by hand.
    ctx.note(
      `${file.path}: AsyncAPI ${base.rootValue.asyncapi} -> ${head.rootValue.asyncapi}; messages of different major versions are not compared`,
      "not-judged",
    );
    return out;
  }
  const before = asyncMessages(base);
  const after = asyncMessages(head);
  for (const [name, node] of before.channels) {
    if (after.channels.has(name)) continue;
    out.push({
      file: node.loc.file,
      line: base.lineOf(node.loc),
      side: "base",
      what: `AsyncAPI ${file.path}: channel ${name} was removed: its consumers stop receiving events`,
      key: `asyncapi channel ${name} removed`,
      same: `${file.path} channel ${name} removed`,
    });
  }
  for (const [id, message] of before.messages) {
    if (!after.channels.has(message.channel)) continue;
    const now = after.messages.get(id);
    if (!now) {
      out.push({
        file: message.node.loc.file,
        line: base.lineOf(message.node.loc),
        side: "base",
        what: `AsyncAPI ${file.path}: message ${id} was removed`,
        key: `asyncapi message ${id} removed`,
        same: `${file.path} message ${id} removed`,
      });
      continue;
    }
    const [baseFormat, basePayload] = payloadOf(base, message.node);
    const [headFormat, headPayload] = payloadOf(head, now.node);
    if (!basePayload || !headPayload) continue;
    if (baseFormat && headFormat && AVRO_FORMAT.test(baseFormat) && AVRO_FORMAT.test(headFormat)) {
      out.push(...judgeAvroPayload(ctx, file, id, base, basePayload, head, headPayload, mode));
      continue;
    }
    if ((baseFormat && !JSON_SCHEMA_FORMAT.test(baseFormat)) || (headFormat && !JSON_SCHEMA_FORMAT.test(headFormat))) {
      ctx.note(`${file.path}: message ${id} uses schemaFormat ${headFormat ?? baseFormat}; its payload is not compared`, "not-judged");
      continue;
    }
    const unresolved: UnresolvedRef[] = [];
    const found = diffJsonSchemas({ tree: base, node: basePayload }, { tree: head, node: headPayload }, mode, unresolved);
    noteUnresolved(ctx, unresolved);
    out.push(...found.map((b) => jsonBreak(b, `AsyncAPI ${file.path} message ${id} payload`, `asyncapi ${id} ${b.path}`)));
  }
  return out;
}
