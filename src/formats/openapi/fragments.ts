/**
 * Split contracts whose fragments live away from the root document (digitalocean/openapi:
 * `specification/DigitalOcean-public.v2.yaml` pulls `specification/resources/**\/models/*.yml` in
 * through `$ref`s, over several hops). A changed YAML/JSON file without a version key of its own is
 * part of a contract when a `$ref` chain from an OpenAPI/Swagger root reaches it. (AsyncAPI fragments
 * are recognised by their shape instead: see isAsyncApiMessageFragment in contracts.ts; their schema
 * files stay with the breaking-event-change rule, which judges them through the document.)
 *
 * Kept cheap: roots are looked for only among the files directly in the fragment's ancestor
 * directories, the `$ref` graph is walked towards the changed files first (the refs whose targets share
 * the longest directory prefix with a changed file are read first), and the walk reads at most
 * MAX_FILES_READ files per review. Only relative file refs inside the repository are followed.
 */
import { posix } from "node:path";
import type { Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { mayBeOpenApiText } from "./kind.js";
import { dirname, extension, pathIndex } from "../common/paths.js";
import { isRecord } from "../../engine/structured.js";
import { parsePointer, unsafeRefReason } from "../refs/spec-document.js";
import { documentValue } from "../common/changed-files.js";

/** Most files read (root candidates and referenced files together) per side and review. */
const MAX_FILES_READ = 400;
/** Most root candidates read per directory. */
const MAX_CANDIDATES_PER_DIR = 40;

/** Keys under which a `$ref` pulls in documentation (examples, code samples), not the contract. */
const EXAMPLE_KEYS = new Set(["example", "examples", "x-examples", "x-codeSamples", "x-code-samples", "externalDocs"]);

const ROOT_KEY = /^["']?(openapi|swagger)["']?[ \t]*:[ \t]*["']?\d/m;
const JSON_ROOT_KEY = /"(openapi|swagger)"\s*:\s*"\d/;

export interface RefReach {
  /** The root document the chain starts from. */
  root: string;
  /** True when every chain found reaches the file only through examples or code samples. */
  exampleOnly: boolean;
  /** The file whose `$ref` reached it. */
  via: string;
}

/**
 * Text of a YAML/JSON file that looks like a piece of a spec: a schema, path item, operation,
 * parameter, response or a map of them (anything with such keys, or a `$ref`).
 */
const FRAGMENT_KEYS =
  /^[ \t]*["']?(\$ref|type|properties|allOf|oneOf|anyOf|items|enum|required|additionalProperties|get|put|post|patch|delete|parameters|responses|requestBody|operationId|schema|content|payload|in)["']?[ \t]*:/m;

export function looksLikeSpecFragment(text: string): boolean {
  return FRAGMENT_KEYS.test(text);
}

interface Walk {
  reads: number;
  roots?: Promise<string[]>;
  /** Files reached, with whether a non-example chain reached them. */
  reached: Map<string, { root: string; contract: boolean; via: string }>;
}

/** The $ref walk of one side, shared by every caller in a review (its read budget is per review). */
function walkOf(ctx: ReviewView, side: Side): Walk {
  return ctx.memo(`openapi:fragment-walk:${side}`, (): Walk => ({ reads: 0, reached: new Map() }));
}

function isStructuredPath(path: string): boolean {
  const ext = extension(path);
  return ext === "yaml" || ext === "yml" || ext === "json";
}

/** OpenAPI/Swagger/AsyncAPI root documents directly in the ancestor directories of `targets`. */
async function findRoots(ctx: ReviewView, side: Side, targets: string[], walk: Walk): Promise<string[]> {
  const index = pathIndex(await ctx.paths(side));
  const dirs = new Set<string>();
  for (const target of targets) {
    for (let dir = dirname(target); ; dir = dirname(dir)) {
      dirs.add(dir);
      if (dir === "") break;
    }
  }
  const roots: string[] = [];
  for (const dir of dirs) {
    const candidates = index.filesIn(dir).filter((p) => isStructuredPath(p) && !targets.includes(p));
    for (const candidate of candidates.slice(0, MAX_CANDIDATES_PER_DIR)) {
      if (walk.reads >= MAX_FILES_READ) return roots;
      walk.reads++;
      const text = await ctx.text(side, candidate);
      if (text === undefined) continue;
      const key = ROOT_KEY.exec(text) ?? JSON_ROOT_KEY.exec(text);
      if (!key || !mayBeOpenApiText(text)) continue;
      roots.push(candidate);
    }
  }
  return roots;
}

/** Relative file `$ref`s of a parsed document, each with whether it sits under an example key. */
function fileRefs(value: unknown, from: string, inExample: boolean, out: { path: string; example: boolean }[], depth = 0): void {
  if (depth > 200) return;
  if (Array.isArray(value)) {
    for (const v of value) fileRefs(v, from, inExample, out, depth + 1);
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === "$ref" && typeof child === "string") {
      const target = child.split("#")[0]!;
      if (target === "" || unsafeRefReason(target) !== undefined) continue;
      let decoded = target;
      try {
        decoded = decodeURIComponent(target);
      } catch {
        continue;
      }
      const path = posix.normalize(posix.join(dirname(from), decoded));
      if (path.startsWith("../") || path === ".." || path.startsWith("/") || !isStructuredPath(path)) continue;
      out.push({ path, example: inExample });
    } else {
      fileRefs(child, from, inExample || EXAMPLE_KEYS.has(key), out, depth + 1);
    }
  }
}

function sharedDepth(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  let n = 0;
  while (n < x.length - 1 && n < y.length - 1 && x[n] === y[n]) n++;
  return n;
}

/**
 * For each of `targets` (paths at `side`) that a `$ref` chain from a root document reaches, how.
 * Targets not reached (or not reached within the read budget) are absent.
 */
export async function refReach(ctx: ReviewView, side: Side, targets: string[]): Promise<Map<string, RefReach>> {
  const walk = walkOf(ctx, side);
  const result = new Map<string, RefReach>();
  if (targets.length === 0) return result;
  walk.roots ??= findRoots(ctx, side, targets, walk);
  const roots = await walk.roots;
  const wanted = new Set(targets);
  const done = () => [...wanted].every((t) => walk.reached.get(t)?.contract === true);
  for (const root of roots) {
    if (done()) break;
    // Best-first walk: a frontier entry's priority is how much directory it shares with a wanted file.
    const visited = new Map<string, boolean>(); // path -> visited as contract (true) or example only (false)
    const frontier: { path: string; example: boolean; score: number; via: string }[] = [{ path: root, example: false, score: 0, via: root }];
    while (frontier.length > 0 && walk.reads < MAX_FILES_READ && !done()) {
      let best = 0;
      for (let i = 1; i < frontier.length; i++) {
        const a = frontier[i]!;
        const b = frontier[best]!;
        if (a.score > b.score || (a.score === b.score && !a.example && b.example)) best = i;
      }
      const next = frontier.splice(best, 1)[0]!;
      const seen = visited.get(next.path);
      if (seen === true || (seen === false && next.example)) continue;
      visited.set(next.path, !next.example);
      const prior = walk.reached.get(next.path);
      if (!prior || (!prior.contract && !next.example)) walk.reached.set(next.path, { root, contract: !next.example, via: next.via });
      if (wanted.has(next.path) && !isStructuredPath(next.path)) continue;
      walk.reads++;
      const doc = await documentValue(ctx, side, next.path);
      if (!doc) continue;
      const refs: { path: string; example: boolean }[] = [];
      fileRefs(doc.value, next.path, next.example, refs);
      for (const ref of refs) {
        const s = visited.get(ref.path);
        if (s === true || (s === false && ref.example)) continue;
        const score = Math.max(...[...wanted].map((t) => (t === ref.path ? 1000 : sharedDepth(ref.path, t))));
        frontier.push({ path: ref.path, example: ref.example, score, via: next.path });
      }
    }
  }
  for (const target of targets) {
    const reached = walk.reached.get(target);
    if (reached) result.set(target, { root: reached.root, exampleOnly: !reached.contract, via: reached.via });
  }
  return result;
}

/** Most `$ref`s inlined per document by `withFileRefsInlined`. */
const MAX_INLINED = 100;

/**
 * A copy of `value` (the parsed file `from` at `side`) with its relative file `$ref`s replaced, one
 * level deep, by what they point to: a ref moved to an equivalent file (same type and pattern, other
 * example) then compares equal. Refs that cannot be read stay as they are.
 */
export async function withFileRefsInlined(ctx: ReviewView, side: Side, from: string, value: unknown): Promise<unknown> {
  let budget = MAX_INLINED;
  const visit = async (node: unknown, depth: number): Promise<unknown> => {
    if (depth > 100) return node;
    if (Array.isArray(node)) return Promise.all(node.map((v) => visit(v, depth + 1)));
    if (!isRecord(node)) return node;
    const ref = node.$ref;
    if (typeof ref === "string" && budget > 0) {
      const [target, fragment] = ref.split("#") as [string, string | undefined];
      if (target !== "" && unsafeRefReason(target) === undefined) {
        const path = posix.normalize(posix.join(dirname(from), target));
        if (!path.startsWith("../") && isStructuredPath(path)) {
          budget--;
          const doc = await documentValue(ctx, side, path);
          let resolved: unknown = doc?.value;
          for (const segment of fragment ? (parsePointer(fragment) ?? []) : []) resolved = isRecord(resolved) ? resolved[segment] : undefined;
          if (resolved !== undefined) return { ...node, $ref: resolved };
        }
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) out[key] = await visit(child, depth + 1);
    return out;
  };
  return visit(value, 0);
}
