import { isRecord } from "../../engine/structured.js";
import { OPAQUE_REF, TEMPLATED, VALUES_REF } from "./helm.js";

/** A value the rules cannot see: spliced in by a template helper. */
export interface Opaque {
  opaque: string;
}

export function isOpaque(value: unknown): value is Opaque {
  return isRecord(value) && typeof value.opaque === "string" && Object.keys(value).length === 1;
}

/** Reads a dotted path (`resources.limits`) in a values document. */
export function lookupValues(values: unknown, path: string): unknown {
  let current = values;
  for (const key of path.split(".")) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * Resolves the sanitizer's placeholders in `value` against one values candidate: a values reference
 * becomes the value it names (undefined when the values file does not set it), an opaque splice
 * becomes an Opaque marker. Plain values come back unchanged.
 */
export function resolveValue(value: unknown, values: unknown): unknown {
  if (typeof value === "string") {
    if (value.startsWith(VALUES_REF)) return lookupValues(values, value.slice(VALUES_REF.length));
    if (value.startsWith(OPAQUE_REF)) return { opaque: value.slice(OPAQUE_REF.length) } satisfies Opaque;
  }
  return value;
}

/** True when a scalar is set to something (templated scalars count: the template sets them). */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

export function isTemplated(value: unknown): boolean {
  return typeof value === "string" && value.includes(TEMPLATED);
}

/** Deep merge as Helm merges values files (maps merge, everything else replaces); null deletes. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isRecord(base) || !isRecord(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else out[key] = mergeValues(base[key], value);
  }
  return out;
}

/** Strategic-merge-like overlay of a patch fragment on a container (maps merge, values replace). */
export function overlay(base: unknown, patch: unknown): unknown {
  if (!isRecord(base) || !isRecord(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = overlay(base[key], value);
  }
  return out;
}

/**
 * Walks `path` from `root`, resolving placeholders at every step. Returns the value, undefined when a
 * step is missing, or an Opaque marker when a template helper hides the answer.
 */
export function walk(root: unknown, path: readonly string[], values: unknown): unknown {
  let current = resolveValue(root, values);
  for (const key of path) {
    if (isOpaque(current)) return current;
    if (!isRecord(current)) return undefined;
    current = resolveValue(current[key], values);
  }
  return current;
}
