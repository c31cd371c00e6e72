import { isRecord } from "../../engine/structured.js";

/**
 * The JSON types a schema declares with `type` (a name or a list of names), or undefined when it declares
 * none. `null` is added when the schema is nullable the OpenAPI way: `nullable: true` (OpenAPI 3.0) or
 * `x-nullable: true` (Swagger 2), and only next to a `type` (OpenAPI 3.0.3: `nullable` without `type` has no
 * effect).
 *
 * One rule for every schema comparison (OpenAPI bodies and parameters, AsyncAPI payloads, event JSON Schemas),
 * all made by the one differ in compare.ts. Event schemas used to ignore `nullable` because it is not a JSON
 * Schema keyword, while OpenAPI honoured it, so the same `nullable: true` removed from a payload broke an API
 * but not an event. Resolved toward honouring it everywhere: a schema that says `nullable` was written for
 * readers that accept null (OpenAPI-style schemas are what AsyncAPI payloads and generated event schemas are
 * usually made of), so dropping it narrows what they accept and adding it widens what producers may send.
 */
export function declaredTypes(schema: Record<string, unknown>): Set<string> | undefined {
  const raw = schema.type;
  const types = new Set<string>();
  if (typeof raw === "string") types.add(raw);
  else if (Array.isArray(raw)) for (const t of raw) if (typeof t === "string") types.add(t);
  if (types.size === 0) return undefined;
  if (isNullable(schema)) types.add("null");
  return types;
}

/** `nullable: true` (OpenAPI 3.0) or `x-nullable: true` (Swagger 2). */
export function isNullable(schema: unknown): boolean {
  return isRecord(schema) && (schema.nullable === true || schema["x-nullable"] === true);
}
