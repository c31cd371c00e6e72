/**
 * Interface definition files other than OpenAPI/AsyncAPI: GraphQL SDL, Protocol Buffers, Avro, Thrift
 * and JSON Schemas that describe events. Pure text checks; no file system.
 */
import { isRecord } from "../../engine/structured.js";
import { basename, extension, segments } from "../common/paths.js";

const GRAPHQL_EXTENSIONS = new Set(["graphql", "graphqls", "gql"]);
/** A type-system definition (SDL), as opposed to client operations (query/mutation/fragment documents). */
const GRAPHQL_SDL = /^[ \t]*(?:extend[ \t]+)?(?:(?:type|input|enum|interface|union|scalar)[ \t]+[A-Za-z_]\w*|schema[ \t]*[{@]|directive[ \t]+@)/m;

export function isGraphqlPath(path: string): boolean {
  return GRAPHQL_EXTENSIONS.has(extension(path));
}

/** Line (1-based) of the first type definition in a GraphQL document, or undefined when it has none. */
export function graphqlDefinitionLine(text: string): number | undefined {
  return firstLine(text, GRAPHQL_SDL);
}

export function isProtoPath(path: string): boolean {
  return extension(path) === "proto";
}

/** Line (1-based) of the first `service Name {` block of a .proto file, or undefined. */
export function protoServiceLine(text: string): number | undefined {
  return firstLine(stripComments(text), /^\s*service\s+\w+\s*\{?/m);
}

/** Line (1-based) of the first `message`/`enum` definition of a .proto file, or undefined. */
export function protoMessageLine(text: string): number | undefined {
  return firstLine(stripComments(text), /^\s*(message|enum)\s+\w+\s*\{?/m);
}

export function isThriftPath(path: string): boolean {
  return extension(path) === "thrift";
}

/** Avro schema (.avsc), protocol (.avpr) and IDL (.avdl) files. */
export function isAvroPath(path: string): boolean {
  const ext = extension(path);
  return ext === "avsc" || ext === "avpr" || ext === "avdl";
}

/** A JSON Schema document: a `$schema` naming a JSON Schema dialect, or an `$id` next to a typed schema. */
export function isJsonSchemaDocument(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  if (typeof value.$schema === "string" && /json-schema/i.test(value.$schema)) return true;
  return typeof value.$id === "string" && (isRecord(value.properties) || typeof value.type === "string");
}

/**
 * A schema shaped like a CloudEvents envelope (specversion, type and source properties), or one that
 * documents itself as an event/message.
 */
export function isCloudEventSchema(value: unknown): boolean {
  if (!isRecord(value) || !isRecord(value.properties)) return false;
  const props = value.properties;
  return "specversion" in props && "type" in props && "source" in props;
}

const EVENT_DIR =
  /^(events?|event[-_]?schemas?|domain[-_]?events|integration[-_]?events|messages?|messaging|topics?|asyncapi|cloudevents|kafka|pubsub|avro|streams?)$/i;
const SCHEMA_DIR = /^(schemas?|json[-_]?schemas?|schema[-_]?registry|contracts?)$/i;
const EVENT_NAME = /(event|message|topic)s?([._-]|$)|(Event|Message)[A-Z.]/;
/** JSON Schemas that configure tools rather than describe data exchanged between services. */
const TOOL_SCHEMA_NAME = /(config|settings|options|manifest|package|tsconfig|eslint|values)\b/i;

export type EventSchemaPlace = "event-dir" | "schema-dir" | "event-name";

/** Where a JSON Schema file sits that makes it an event contract, or undefined when its location says nothing. */
export function eventSchemaPlace(path: string): EventSchemaPlace | undefined {
  const dirs = segments(path).slice(0, -1);
  const name = basename(path);
  if (TOOL_SCHEMA_NAME.test(name)) return undefined;
  if (dirs.some((d) => EVENT_DIR.test(d))) return "event-dir";
  if (EVENT_NAME.test(name)) return "event-name";
  if (dirs.some((d) => SCHEMA_DIR.test(d))) return "schema-dir";
  return undefined;
}

/** An object schema: a JSON Schema document, or `type: object` with `properties` (ftgo's RestaurantCreated.json). */
export function isObjectSchema(value: unknown): value is Record<string, unknown> {
  return isJsonSchemaDocument(value) || (isRecord(value) && value.type === "object" && isRecord(value.properties));
}

/** Cheap pre-check on raw text: a top-level-looking `type: object` (YAML or JSON). */
export function mayBeObjectSchemaText(text: string): boolean {
  return /^\s*["']?type["']?\s*:\s*["']?object\b/m.test(text) && /["']?properties["']?\s*:/.test(text);
}

/**
 * Last words of a schema file's name that say it is an event: `*Event`, or a past participle of what
 * happened (`RestaurantCreated.json`, `order-cancelled.schema.json`, `PaymentAuthorized.v2.json`).
 */
const EVENT_WORD =
  /^(event|created|updated|deleted|removed|added|changed|revised|modified|renamed|moved|cancell?ed|placed|approved|rejected|accepted|declined|completed|failed|succeeded|started|finished|ended|published|registered|submitted|shipped|delivered|dispatched|paid|refunded|charged|confirmed|expired|assigned|scheduled|reserved|released|authori[sz]ed|opened|closed|activated|deactivated|enabled|disabled|archived|restored|verified|suspended|resumed|received|sent|requested|issued|revoked)$/i;

export function hasEventName(path: string): boolean {
  const stem = basename(path)
    .replace(/(\.schema)?\.(json|ya?ml)$/i, "")
    .replace(/[._-]?v\d+$/i, "");
  const words = stem.split(/[._-]|(?<=[a-z0-9])(?=[A-Z])/).filter((w) => w !== "");
  return words.length >= 2 && EVENT_WORD.test(words.at(-1)!);
}

/** Cheap pre-check: could this text be a JSON Schema or CloudEvents schema? */
export function mayBeJsonSchemaText(text: string): boolean {
  return /["']?\$(schema|id)["']?\s*:/.test(text) || /specversion/.test(text);
}

function stripComments(text: string): string {
  // Keep line structure so line numbers stay right.
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " ")).replace(/\/\/[^\n]*/g, "");
}

function firstLine(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const offset = match.index + (match[0].length - match[0].trimStart().length);
  return text.slice(0, offset).split("\n").length;
}
