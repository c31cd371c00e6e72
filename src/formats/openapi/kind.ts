/** OpenAPI / Swagger documents, recognised by what they are (a top-level `openapi:` or `swagger:` key), wherever they live. */
import { isRecord } from "../../engine/structured.js";

/** True for a parsed document with a top-level `openapi` (3.x) or `swagger` (2.0) version key. */
export function isOpenApiDocument(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const version = value.openapi ?? value.swagger;
  return (typeof version === "string" || typeof version === "number") && /^\d/.test(String(version));
}

/** "OpenAPI 3.1", "Swagger 2.0", or undefined when `value` is not an OpenAPI document. */
export function openApiLabel(value: unknown): string | undefined {
  if (!isOpenApiDocument(value)) return undefined;
  if (value.openapi !== undefined) return `OpenAPI ${shortVersion(value.openapi)}`;
  return `Swagger ${shortVersion(value.swagger)}`;
}

function shortVersion(version: unknown): string {
  const match = /^(\d+)\.(\d+)/.exec(String(version));
  return match ? `${match[1]}.${match[2]}` : String(version);
}

/**
 * Cheap pre-check on raw text before parsing: an unindented `openapi:`/`swagger:` YAML key, or a JSON
 * `"openapi":`/`"swagger":` member. False means the text cannot be an OpenAPI document.
 */
export function mayBeOpenApiText(text: string): boolean {
  return /^["']?(openapi|swagger)["']?\s*:/m.test(text) || /"(openapi|swagger)"\s*:\s*"\d/.test(text);
}

/**
 * Cheap pre-check on raw text for a root document: an unindented `openapi:`/`swagger:` version key and an
 * unindented `paths:`, `info:` or `webhooks:` key (or their JSON members). Recognises a root by what it
 * holds, whatever it is called (DigitalOcean's `DigitalOcean-public.v2.yaml`, `api.yaml`, `petstore.json`).
 */
export function mayBeOpenApiRootText(text: string): boolean {
  const yamlRoot = /^["']?(openapi|swagger)["']?[ \t]*:[ \t]*["']?\d/m.test(text) && /^["']?(paths|info|webhooks)["']?[ \t]*:/m.test(text);
  return yamlRoot || (/"(openapi|swagger)"\s*:\s*"\d/.test(text) && /"(paths|info|webhooks)"\s*:/.test(text));
}
