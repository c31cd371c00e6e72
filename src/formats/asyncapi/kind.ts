/** AsyncAPI documents: message-driven APIs, recognised by their top-level `asyncapi:` version key. */
import { isRecord } from "../../engine/structured.js";

export function isAsyncApiDocument(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const version = value.asyncapi;
  return (typeof version === "string" || typeof version === "number") && /^\d/.test(String(version));
}

/** "AsyncAPI 2.6", or undefined when `value` is not an AsyncAPI document. */
export function asyncApiLabel(value: unknown): string | undefined {
  if (!isAsyncApiDocument(value)) return undefined;
  const match = /^(\d+)\.(\d+)/.exec(String(value.asyncapi));
  return `AsyncAPI ${match ? `${match[1]}.${match[2]}` : String(value.asyncapi)}`;
}

/** Cheap pre-check on raw text: an unindented `asyncapi:` key or a JSON `"asyncapi":` member. */
export function mayBeAsyncApiText(text: string): boolean {
  return /^["']?asyncapi["']?\s*:/m.test(text) || /"asyncapi"\s*:\s*"\d/.test(text);
}
