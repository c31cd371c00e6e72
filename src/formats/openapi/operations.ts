import type { ReviewView } from "../../engine/types.js";
import { matchesAny } from "../../engine/globs.js";
import { isRecord } from "../../engine/structured.js";
import { addedOperations, changedSpecs, reportSpecIssues, usable, type OperationModel, type SpecPair } from "./spec.js";

/**
 * Operational endpoints (health, readiness, metrics, discovery) that are public and unversioned by
 * convention: load balancers and scrapers call them without credentials.
 */
export const OPERATIONAL_PATHS = [
  "**/health",
  "**/health/**",
  "**/healthz",
  "**/livez",
  "**/readyz",
  "**/ready",
  "**/live",
  "**/liveness",
  "**/readiness",
  "**/ping",
  "**/metrics",
  "**/status",
  "**/version",
  "/.well-known/**",
];

export interface AddedOperation {
  pair: SpecPair;
  op: OperationModel;
  /** 1-based line of the operation's method key at head. */
  line: number;
  file: string;
}

/** The operations the PR adds across every OpenAPI/Swagger spec it touches. */
export async function operationsAddedByChange(ctx: ReviewView): Promise<AddedOperation[]> {
  const out: AddedOperation[] = [];
  for (const pair of await changedSpecs(ctx)) {
    if (!reportSpecIssues(ctx, pair)) continue;
    const head = usable(pair.head);
    if (!head) continue;
    for (const op of addedOperations(pair)) {
      out.push({ pair, op, file: op.node.loc.file, line: head.lineOf(op.node.loc) });
    }
  }
  return out;
}

/** True when an operation, its path item or the document marks it internal (`x-internal: true`). */
export function isInternal(added: AddedOperation): boolean {
  const root = usable(added.pair.head)?.rootValue ?? {};
  return [added.op.value, added.op.pathNode.value, root].some((v) => isRecord(v) && v["x-internal"] === true);
}

export function isIgnoredPath(path: string, globs: readonly string[]): boolean {
  return matchesAny(path, globs);
}
