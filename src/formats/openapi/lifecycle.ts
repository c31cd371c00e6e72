import { isRecord } from "../../engine/structured.js";
import { pathMajorVersion, type ApiBreak } from "./diff.js";
import { type SpecDocument, type SpecNode, unchangedBetween, unchangedNodes } from "../refs/spec-document.js";
import { canonical } from "../json-schema/compare.js";
import { operationsOf, operationUnchanged, type OperationModel } from "./spec.js";

/**
 * An opt-in deprecation policy (oasdiff's lifecycle rules): deprecations carry a valid `x-sunset` date
 * that is not removed or moved earlier, and `x-stability-level` is valid and never lowered. These are
 * promises to clients rather than changes to what they send or read, so they are off by default.
 */
const STABILITY = ["draft", "alpha", "beta", "stable"];

function sunsetText(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const raw = value["x-sunset"];
  if (raw === undefined) return undefined;
  return raw instanceof Date ? raw.toISOString().slice(0, 10) : String(raw);
}

const validDate = (text: string) => Number.isFinite(Date.parse(text)) && /^\d{4}-\d{2}-\d{2}/.test(text);

/**
 * `full` (the `deprecationPolicy` option) applies oasdiff's whole lifecycle policy. Without it, as oasdiff with
 * no deprecation days configured, only what the PR does counts: stability lowered, a sunset date removed or
 * moved earlier, lifecycle values the PR changes into something invalid, and lifecycle values that cannot be
 * read on an operation, parameter or property the PR changes or removes (whether the change keeps the
 * commitment cannot be judged, so it fails closed). A deprecation without a sunset date, and invalid values on
 * operations the PR does not touch, are left to teams that opt in: hygiene, not a change clients feel.
 */
export function lifecycleBreaks(base: SpecDocument, head: SpecDocument, { full }: { full: boolean }): ApiBreak[] {
  const out: ApiBreak[] = [];
  const headOps = operationsOf(head);
  for (const [key, before] of operationsOf(base)) {
    const after = headOps.get(key);
    // Without the full policy, every check below is about what the PR changes: an unchanged operation has none.
    if (!full && after && operationUnchanged(base, head, before, after)) continue;
    const push = (spec: SpecDocument, node: SpecNode, what: string) =>
      out.push({
        side: spec === base ? "base" : "head",
        file: node.loc.file,
        line: spec.lineOf(node.loc),
        operation: before.label,
        what,
        pathVersion: pathMajorVersion(before.path),
      });
    const at = (spec: SpecDocument, node: SpecNode, key: string) => spec.child(node, key) ?? node;

    // Stability level: valid on both sides, never lowered. An operation the PR changes or removes must have a
    // level that can be read on both sides (oasdiff: api-invalid-stability-level on modified and deleted operations).
    const sb = before.value["x-stability-level"];
    const sa = after?.value["x-stability-level"];
    const touched = () => !after || operationChanged(base, head, before, after);
    if (sb !== undefined && !STABILITY.includes(String(sb)) && (full || touched()))
      push(base, at(base, before.node, "x-stability-level"), `x-stability-level '${String(sb)}' is not one of ${STABILITY.join(", ")}`);
    if (after && sa !== undefined && !STABILITY.includes(String(sa)) && (full || String(sa) !== String(sb) || touched()))
      push(head, at(head, after.node, "x-stability-level"), `x-stability-level '${String(sa)}' is not one of ${STABILITY.join(", ")}`);
    // A deprecated operation removed while its sunset date cannot be read: whether the date has passed cannot be judged.
    const sunsetGone = sunsetText(before.value);
    if (!after && before.deprecated && sunsetGone !== undefined && !validDate(sunsetGone))
      push(
        base,
        at(base, before.node, "x-sunset"),
        `removed, but its x-sunset '${sunsetGone}' is not a date (whether it has passed cannot be judged)`,
      );
    if (after && STABILITY.includes(String(sb)) && STABILITY.includes(String(sa)) && STABILITY.indexOf(String(sa)) < STABILITY.indexOf(String(sb))) {
      push(head, at(head, after.node, "x-stability-level"), `stability lowered from ${String(sb)} to ${String(sa)}`);
    }

    // The operation's own deprecation.
    checkDeprecation(base, head, before.node, after?.node, before.deprecated, after?.deprecated ?? false, "operation", push, at, full);

    // Its parameters' deprecations (path parameters matched by position: renaming `{id}` is not a new parameter).
    const deprecated = (n: SpecNode | undefined) => isRecord(n?.value) && n.value.deprecated === true;
    const matched = new Set<string>();
    for (const [pkey, p] of before.params) {
      const q = after ? (after.params.get(pkey) ?? renamedPathParam(before, after, p.name, p.in)) : undefined;
      if (q) matched.add(`${q.in}:${q.in === "header" ? q.name.toLowerCase() : q.name}`);
      if (after && !q && deprecated(p.node)) {
        const gone = sunsetText(p.node.value);
        if (gone !== undefined && !validDate(gone))
          push(
            base,
            at(base, p.node, "x-sunset"),
            `${p.in} parameter '${p.name}' removed, but its x-sunset '${gone}' is not a date (whether it has passed cannot be judged)`,
          );
        continue;
      }
      checkDeprecation(base, head, p.node, q?.node, deprecated(p.node), deprecated(q?.node), `${p.in} parameter '${p.name}'`, push, at, full);
    }
    if (after) {
      for (const [pkey, q] of after.params) {
        if (before.params.has(pkey) || matched.has(pkey) || !deprecated(q.node)) continue;
        checkDeprecation(base, head, undefined, q.node, false, true, `${q.in} parameter '${q.name}'`, push, at, full);
      }
      propertyDeprecations(base, head, before, after, push, at, full);
    }
  }
  return out;
}

/** The head's path parameter at the same position of the path as `name` in the base (`{id}` → `{ParamID}`). */
function renamedPathParam(before: OperationModel, after: OperationModel, name: string, location: string) {
  if (location !== "path") return undefined;
  const order = (op: OperationModel) => [...op.path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!);
  const index = order(before).indexOf(name);
  const renamed = index >= 0 ? order(after)[index] : undefined;
  return renamed !== undefined ? after.params.get(`path:${renamed}`) : undefined;
}

/** True when the PR changes anything in the operation (compared as inlined JSON; unchanged files are skipped). */
function operationChanged(base: SpecDocument, head: SpecDocument, before: OperationModel, after: OperationModel): boolean {
  if (unchangedBetween(base, head, before.node, after.node) && unchangedBetween(base, head, before.pathNode, after.pathNode)) return false;
  try {
    const budget = () => ({ nodes: 50_000 });
    return (
      canonical(base.inline(before.node, budget())) !== canonical(head.inline(after.node, budget())) ||
      canonical(base.inline(before.pathNode, budget())) !== canonical(head.inline(after.pathNode, budget()))
    );
  } catch {
    return true; // too large to compare whole: treat as changed
  }
}

type Push = (spec: SpecDocument, node: SpecNode, what: string) => void;
type At = (spec: SpecDocument, node: SpecNode, key: string) => SpecNode;

/**
 * Request and response properties the PR deprecates (oasdiff: request-/response-property-deprecated-*): the
 * `x-sunset` date given must be a date; with the full policy one must be given.
 */
function propertyDeprecations(
  base: SpecDocument,
  head: SpecDocument,
  before: OperationModel,
  after: OperationModel,
  push: Push,
  at: At,
  full: boolean,
): void {
  const bodies: [string, SpecNode | undefined, SpecNode | undefined][] = [];
  for (const [media, hm] of after.requestBody?.content ?? [])
    bodies.push([`request body (${media})`, before.requestBody?.content.get(media)?.schema, hm.schema]);
  for (const [code, hr] of after.responses) {
    for (const [media, hm] of hr.content)
      bodies.push([`response ${code} (${media})`, before.responses.get(code)?.content.get(media)?.schema, hm.schema]);
  }
  for (const [where, b, h] of bodies) {
    if (!h || (b && unchangedNodes(base, head, b, h))) continue;
    // Deprecated already at base: the same property (where it is written) or the same path.
    const was = b ? [...deprecatedProperties(base, b)] : [];
    const wasAt = new Set(was.map(([loc]) => loc));
    const wasPath = new Set(was.map(([, d]) => d.path));
    for (const [loc, { path: name, node }] of deprecatedProperties(head, h)) {
      const value = node.value;
      if (!isRecord(value) || wasAt.has(loc) || wasPath.has(name)) continue;
      const sunset = sunsetText(value);
      if (sunset !== undefined && !validDate(sunset))
        push(head, at(head, node, "x-sunset"), `${where} property '${name}' x-sunset '${sunset}' is not a date`);
      else if (full && sunset === undefined)
        push(head, at(head, node, "deprecated"), `${where} property '${name}' deprecated without an x-sunset date`);
    }
  }
}

/** A deprecated property found under a schema: its dotted path from there, and the property's node. */
type Deprecated = { path: string; node: SpecNode };
/** Per spec: the deprecated properties under each schema location, by the property's own location. */
const deprecatedMemo = new WeakMap<SpecDocument, Map<string, Map<string, Deprecated>>>();

const locationKey = (node: SpecNode) => `${node.loc.file}#${node.loc.pointer.join("/")}`;

/**
 * The properties marked `deprecated: true` under a schema, each once (by where it is written) with the first
 * dotted path that reaches it (`items[]` for array items), through allOf/anyOf/oneOf; refs followed. Each schema
 * location is walked once and its answer reused wherever it is referenced (a recursive schema is cut where it
 * repeats): a generated spec whose shared definitions are reached by millions of paths (argo-workflows' 800 KB
 * Swagger) is walked in the time of its size, not of its paths.
 */
function deprecatedProperties(spec: SpecDocument, schema: SpecNode): Map<string, Deprecated> {
  let memo = deprecatedMemo.get(spec);
  if (!memo) {
    memo = new Map();
    deprecatedMemo.set(spec, memo);
  }
  const known = memo;
  const stack = new Set<string>();
  const under = (node: SpecNode | undefined): Map<string, Deprecated> => {
    const out = new Map<string, Deprecated>();
    if (!node) return out;
    const resolved = spec.deref(node);
    if (!isRecord(resolved.value)) return out;
    const key = locationKey(resolved);
    const cached = known.get(key);
    if (cached) return cached;
    if (stack.has(key)) return out;
    stack.add(key);
    const add = (loc: string, path: string, n: SpecNode) => {
      if (!out.has(loc)) out.set(loc, { path, node: n });
    };
    for (const [name, child] of spec.entries(spec.child(resolved, "properties"))) {
      const value = spec.deref(child);
      if (isRecord(value.value) && value.value.deprecated === true) add(locationKey(value), name, value);
      for (const [loc, d] of under(value)) add(loc, d.path.startsWith("[]") ? `${name}${d.path}` : `${name}.${d.path}`, d.node);
    }
    for (const [loc, d] of under(spec.child(resolved, "items"))) add(loc, d.path.startsWith("[]") ? `[]${d.path}` : `[].${d.path}`, d.node);
    for (const keyword of ["allOf", "anyOf", "oneOf"])
      for (const branch of spec.items(spec.child(resolved, keyword))) for (const [loc, d] of under(branch)) add(loc, d.path, d.node);
    stack.delete(key);
    known.set(key, out);
    return out;
  };
  return under(schema);
}

function checkDeprecation(
  base: SpecDocument,
  head: SpecDocument,
  before: SpecNode | undefined,
  after: SpecNode | undefined,
  wasDeprecated: boolean,
  isDeprecated: boolean,
  subject: string,
  push: (spec: SpecDocument, node: SpecNode, what: string) => void,
  at: (spec: SpecDocument, node: SpecNode, key: string) => SpecNode,
  full: boolean,
): void {
  const sb = before ? sunsetText(before.value) : undefined;
  const sa = after ? sunsetText(after.value) : undefined;
  if (full && wasDeprecated && before && sb !== undefined && !validDate(sb))
    push(base, at(base, before, "x-sunset"), `${subject} x-sunset '${sb}' is not a date`);
  if (!isDeprecated || !after) return;
  // The PR changes a sunset date that cannot be read: whether it moved earlier cannot be judged (oasdiff: *-sunset-parse).
  if (!full && wasDeprecated && before && sb !== undefined && sa !== undefined && sa !== sb && !validDate(sb))
    push(base, at(base, before, "x-sunset"), `${subject} x-sunset '${sb}' is not a date (whether ${sa} moves it earlier cannot be judged)`);
  if (sa !== undefined && !validDate(sa)) {
    if (full || sa !== sb) push(head, at(head, after, "x-sunset"), `${subject} x-sunset '${sa}' is not a date`);
  } else if (full && sa === undefined && !wasDeprecated) push(head, at(head, after, "deprecated"), `${subject} deprecated without an x-sunset date`);
  else if (sa === undefined && sb !== undefined) push(head, at(head, after, "deprecated"), `${subject} x-sunset ${sb} removed`);
  else if (sa !== undefined && sb !== undefined && validDate(sa) && validDate(sb) && Date.parse(sa) < Date.parse(sb) && subject !== "operation") {
    // (Operations moving their sunset earlier are reported by the contract diff itself.)
    push(head, at(head, after, "x-sunset"), `${subject} sunset date moved earlier, from ${sb} to ${sa}`);
  }
}
