/**
 * Whether a modification of a contract file changes the contract, or only its documentation:
 * descriptions, summaries, examples, docs-rendering vendor extensions (x-tagGroups, x-logo,
 * x-displayName, x-traitTag, x-codeSamples, x-badges), the document's own version and title, comments, and
 * language-binding options of .proto files (go_package, java_package…). Pure: callers pass both texts.
 */
import { isRecord } from "../../engine/structured.js";

/** Keys that document a spec without changing what goes over the wire. */
const DOC_KEYS = new Set([
  "description",
  "summary",
  "example",
  "examples",
  "externalDocs",
  "$comment",
  "title",
  "doc",
  "x-examples",
  // Vendor extensions that only drive how documentation renders (Redoc, ReadMe, Stoplight).
  "x-tagGroups",
  "x-logo",
  "x-displayName",
  "x-traitTag",
  "x-codeSamples",
  "x-code-samples",
  "x-badges",
]);
/** Under these keys, map keys are names chosen by the author (a property may be called "description"). */
const NAME_MAPS = new Set([
  "properties",
  "patternProperties",
  "definitions",
  "schemas",
  "$defs",
  "paths",
  "channels",
  "messages",
  "parameters",
  "responses",
  "headers",
  "securitySchemes",
  "operations",
  "servers",
]);

/** A copy of a parsed spec without its documentation (and without the document's `info`). */
export function withoutDocumentation(value: unknown, parentKey = "", depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutDocumentation(v, "", depth + 1));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const isName = NAME_MAPS.has(parentKey);
    if (!isName && DOC_KEYS.has(key)) continue;
    if (depth === 0 && key === "info") continue;
    out[key] = withoutDocumentation(child, key, depth + 1);
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/** True when two parsed specs differ in more than documentation. */
export function specChangedMaterially(before: unknown, after: unknown): boolean {
  return !deepEqual(withoutDocumentation(before), withoutDocumentation(after));
}

const PROTO_BINDING_OPTION =
  /^\s*option\s+(go_package|java_package|java_outer_classname|java_multiple_files|java_generic_services|csharp_namespace|objc_class_prefix|php_namespace|php_metadata_namespace|php_class_prefix|ruby_package|swift_prefix|optimize_for|cc_enable_arenas|cc_generic_services|py_generic_services)\s*=.*;\s*$/gm;

/** The wire-relevant text of a .proto file: no comments, no language-binding options, whitespace collapsed. */
export function protoSubstance(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/\/\/[^\n]*/g, "")
    .replace(PROTO_BINDING_OPTION, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The definitions of a GraphQL SDL file: no comments and no descriptions. */
export function graphqlSubstance(text: string): string {
  return text
    .replace(/"""[\s\S]*?"""/g, " ")
    .replace(/^\s*"(?:[^"\\\n]|\\.)*"\s*$/gm, " ")
    .replace(/#[^\n]*/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
