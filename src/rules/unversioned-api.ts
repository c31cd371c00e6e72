import { z } from "zod";
import { isRecord } from "../engine/structured.js";
import { defineRule } from "../engine/types.js";
import {
  OPERATIONAL_PATHS,
  isIgnoredPath,
  isInternal,
  operationsAddedByChange,
  serverUrl,
  type AddedOperation,
} from "../formats/openapi/operations.js";
import { normalizePath, operationsOf, usable } from "../formats/openapi/spec.js";
import type { SpecDocument } from "../formats/refs/spec-document.js";

const options = z.object({
  /** A path or server-URL segment that names a version: `v1`, `v2beta1`, `2024-06-01`. */
  versionSegment: z
    .string()
    .min(1)
    .default("^(v\\d+([._-]?\\w+)?|\\d{4}-\\d{2}-\\d{2})$")
    .describe("Regular expression for one path or server-URL segment that names a version."),
  /** Header or query parameters that select the version instead of the path (case-insensitive). */
  versionParameters: z
    .array(z.string().min(1))
    .default(["api-version", "X-Api-Version", "Accept-Version", "X-GitHub-Api-Version", "Stripe-Version"])
    .describe("Header or query parameters that select the version instead of the path."),
  /** Path globs that are deliberately unversioned (health, metrics, discovery). */
  ignorePaths: z
    .array(z.string().min(1))
    .default(OPERATIONAL_PATHS)
    .describe("API path globs that are deliberately unversioned (health, metrics, discovery)."),
});
function hasVersionSegment(url: string, pattern: RegExp): boolean {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
  return path.split("/").some((segment) => pattern.test(segment));
}

function serverUrls(spec: SpecDocument, added: AddedOperation): string[] {
  const root = spec.rootValue;
  const urls: string[] = [];
  for (const holder of [added.op.value, added.op.pathNode.value, root]) {
    if (isRecord(holder) && Array.isArray(holder.servers)) {
      const own = holder.servers.filter(isRecord).map(serverUrl);
      // The innermost `servers` replaces the outer ones.
      if (own.length > 0) return own;
    }
  }
  if (typeof root.basePath === "string") urls.push(root.basePath);
  return urls;
}

export const unversionedApi = defineRule({
  meta: {
    id: "unversioned-api",
    title: "Unversioned API path",
    category: "maintainability",
    defaultSeverity: "warning",
    description: "A new public API path outside a version segment (like /v1/), with no versioned server URL or version parameter.",
    options,
    messages: {
      unversionedPath:
        "{{path}} is a new public path outside a version segment: its contract cannot evolve without breaking the clients that call it.",
    },
    remediation:
      "Put the path under a version segment (/v1/...), version the server URL, or select the version with a header or query parameter; mark internal paths with `x-internal: true`.",
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const pattern = new RegExp(opts.versionSegment, "i");
    const versionParams = new Set(opts.versionParameters.map((p) => p.toLowerCase()));
    const reported = new Set<string>();
    const basePathsCache = new Map<string, Set<string>>();
    for (const added of await operationsAddedByChange(ctx)) {
      const { op, pair } = added;
      const head = usable(pair.head)!;
      // A new method on an existing path is not a new path.
      let basePaths = basePathsCache.get(pair.file);
      if (!basePaths) {
        const base = usable(pair.base);
        basePaths = new Set(base ? [...operationsOf(base).values()].map((o) => normalizePath(o.path)) : []);
        basePathsCache.set(pair.file, basePaths);
      }
      const pathKey = `${pair.file}\0${normalizePath(op.path)}`;
      if (basePaths.has(normalizePath(op.path)) || reported.has(pathKey)) continue;
      if (isIgnoredPath(op.path, opts.ignorePaths) || isInternal(added)) continue;
      if (hasVersionSegment(op.path, pattern)) continue;
      if (serverUrls(head, added).some((url) => hasVersionSegment(url, pattern))) continue;
      if ([...op.params.values()].some((p) => (p.in === "header" || p.in === "query") && versionParams.has(p.name.toLowerCase()))) continue;
      reported.add(pathKey);
      ctx.report({
        messageId: "unversionedPath",
        data: { path: op.path },
        file: op.pathKey.loc.file,
        line: head.lineOf(op.pathKey.loc),
        key: op.path,
      });
    }
  },
});
