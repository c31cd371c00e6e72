import { isRecord } from "../../engine/structured.js";
import { OPAQUE_REF, SPLICE_KEY_PREFIX, TEMPLATED, VALUES_REF } from "./helm.js";

/** Key of a materialized map that also holds entries a template helper splices in (we cannot see them). */
export const OPAQUE_PART = "__archgate_opaque_part__";

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
  if (isRecord(value) && Object.keys(value).some((k) => k.startsWith(SPLICE_KEY_PREFIX))) return materialize(value, values);
  return value;
}

/**
 * A map with splice entries as the template renders it: literal entries plus the entries of each
 * spliced values map. A splice we cannot see leaves an OPAQUE_PART mark (or makes the whole map opaque
 * when it has nothing else), so a key missing from it is "not judged" rather than "missing".
 */
function materialize(map: Record<string, unknown>, values: unknown): unknown {
  const out: Record<string, unknown> = {};
  let opaque: string | undefined;
  for (const [key, entry] of Object.entries(map)) {
    if (!key.startsWith(SPLICE_KEY_PREFIX)) {
      out[key] = entry;
      continue;
    }
    const spliced = resolveValue(entry, values);
    if (isOpaque(spliced)) opaque ??= spliced.opaque;
    else if (isRecord(spliced)) Object.assign(out, spliced);
  }
  if (opaque !== undefined) {
    if (Object.keys(out).length === 0) return { opaque } satisfies Opaque;
    out[OPAQUE_PART] = opaque;
  }
  return out;
}

/** True when a scalar is set to something (templated scalars count: the template sets them). */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (isRecord(value)) return Object.keys(value).some((k) => k !== OPAQUE_PART);
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

/** Strategic-merge-like overlay of a patch fragment on a container (maps merge, values replace): Helm's merge. */
export function overlay(base: unknown, patch: unknown): unknown {
  return mergeValues(base, patch);
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
    const next = current[key];
    if (next === undefined && typeof current[OPAQUE_PART] === "string") return { opaque: current[OPAQUE_PART] } satisfies Opaque;
    current = resolveValue(next, values);
  }
  return current;
}
