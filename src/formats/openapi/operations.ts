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

/**
 * A server object's URL with its `{variables}` replaced by their defaults, as the OpenAPI specification substitutes
 * them (`https://{region}.acme.dev/{version}` with `version: {default: v2}` is `https://….acme.dev/v2`). A
 * variable without a default stays as written.
 */
export function serverUrl(server: Record<string, unknown>): string {
  const url = String(server.url ?? "");
  const variables = isRecord(server.variables) ? server.variables : {};
  return url.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const variable = Object.hasOwn(variables, name) ? variables[name] : undefined;
    const value = isRecord(variable) ? variable.default : undefined;
    return typeof value === "string" || typeof value === "number" ? String(value) : whole;
  });
}
