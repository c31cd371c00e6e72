import { isRecord } from "../../engine/structured.js";
import { pathMajorVersion, type ApiBreak } from "./diff.js";
import type { SpecDocument, SpecNode } from "../refs/spec-document.js";
import { operationsOf } from "./spec.js";

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
 * `full` (the `deprecationPolicy` option) applies oasdiff's whole lifecycle policy. Without it only broken
 * commitments count, all introduced by the PR: stability lowered, a sunset date removed or moved earlier, and
 * lifecycle values the PR changes into something invalid. A deprecation without a sunset date, and invalid values
 * already in the base version, are left to teams that opt in: they are hygiene, not a change clients feel.
 */
export function lifecycleBreaks(base: SpecDocument, head: SpecDocument, { full }: { full: boolean }): ApiBreak[] {
  const out: ApiBreak[] = [];
  const headOps = operationsOf(head);
  for (const [key, before] of operationsOf(base)) {
    const after = headOps.get(key);
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

    // Stability level: valid on both sides, never lowered.
    const sb = before.value["x-stability-level"];
    const sa = after?.value["x-stability-level"];
    if (full && sb !== undefined && !STABILITY.includes(String(sb)))
      push(base, at(base, before.node, "x-stability-level"), `x-stability-level '${String(sb)}' is not one of ${STABILITY.join(", ")}`);
    if (after && sa !== undefined && !STABILITY.includes(String(sa)) && (full || String(sa) !== String(sb)))
      push(head, at(head, after.node, "x-stability-level"), `x-stability-level '${String(sa)}' is not one of ${STABILITY.join(", ")}`);
    if (after && STABILITY.includes(String(sb)) && STABILITY.includes(String(sa)) && STABILITY.indexOf(String(sa)) < STABILITY.indexOf(String(sb))) {
      push(head, at(head, after.node, "x-stability-level"), `stability lowered from ${String(sb)} to ${String(sa)}`);
    }

    // The operation's own deprecation.
    checkDeprecation(base, head, before.node, after?.node, before.deprecated, after?.deprecated ?? false, "operation", push, at, full);

    // Its parameters' deprecations.
    for (const [pkey, p] of before.params) {
      const q = after?.params.get(pkey);
      const deprecated = (n: SpecNode | undefined) => isRecord(n?.value) && n.value.deprecated === true;
      checkDeprecation(base, head, p.node, q?.node, deprecated(p.node), deprecated(q?.node), `${p.in} parameter '${p.name}'`, push, at, full);
    }
    if (after) {
      for (const [pkey, q] of after.params) {
        if (before.params.has(pkey) || !isRecord(q.node.value) || q.node.value.deprecated !== true) continue;
        checkDeprecation(base, head, undefined, q.node, false, true, `${q.in} parameter '${q.name}'`, push, at, full);
      }
    }
  }
  return out;
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
  if (sa !== undefined && !validDate(sa)) {
    if (full || sa !== sb) push(head, at(head, after, "x-sunset"), `${subject} x-sunset '${sa}' is not a date`);
  } else if (full && sa === undefined && !wasDeprecated) push(head, at(head, after, "deprecated"), `${subject} deprecated without an x-sunset date`);
  else if (sa === undefined && sb !== undefined) push(head, at(head, after, "deprecated"), `${subject} x-sunset ${sb} removed`);
  else if (sa !== undefined && sb !== undefined && validDate(sa) && validDate(sb) && Date.parse(sa) < Date.parse(sb) && subject !== "operation") {
    // (Operations moving their sunset earlier are reported by the contract diff itself.)
    push(head, at(head, after, "x-sunset"), `${subject} sunset date moved earlier, from ${sb} to ${sa}`);
  }
}
