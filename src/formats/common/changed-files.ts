/** Helpers shared by the built-in triggers: reading parsed files safely, wording reasons, skipping noise. */
import type { ChangedFile, Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { isDevTooling, isDocumentation, isExample, isLockfile, isTest, isVendored } from "./noise.js";
import { kubernetesObjects, mayBeKubernetesText, quickKubernetesObjects, type KubernetesObjectHeader } from "../kubernetes/objects.js";
import { extension } from "./paths.js";
import { hasNonEmptyPatch, parsePatch, type PatchLine } from "../../engine/patch.js";
import type { StructuredFile } from "../../engine/structured.js";

/** The side where a changed file's current content lives: base for removed files, head otherwise. */
export function sideOf(file: ChangedFile): Side {
  return file.status === "removed" ? "base" : "head";
}

/** Path of the file at `side` (a renamed file had another path at base). */
export function pathAt(file: ChangedFile, side: Side): string {
  return side === "base" && file.previousPath ? file.previousPath : file.path;
}

export function verbOf(file: ChangedFile): "adds" | "removes" | "changes" | "moves" {
  switch (file.status) {
    case "added":
    case "copied":
      return "adds";
    case "removed":
      return "removes";
    case "renamed":
      return "moves";
    default:
      return "changes";
  }
}

const ignored = new WeakMap<ChangedFile, boolean>();

/** Files no built-in trigger looks at: docs, tests, examples, vendored code, lockfiles, dev tooling. */
export function isIgnoredByTriggers(file: ChangedFile): boolean {
  let answer = ignored.get(file);
  if (answer === undefined) {
    const paths = file.previousPath ? [file.path, file.previousPath] : [file.path];
    answer = paths.every((p) => isDocumentation(p) || isTest(p) || isExample(p) || isVendored(p) || isLockfile(p) || isDevTooling(p));
    ignored.set(file, answer);
  }
  return answer;
}

const PROSE = new Set(["md", "mdx", "markdown", "rst", "adoc", "asciidoc", "txt", "html"]);

/**
 * Contract files are recognised by what they are, so a spec under docs/ or examples/ (swaggo's
 * docs/swagger.yaml, a specification's example documents) still counts; prose, tests and vendored copies do not.
 */
export function isIgnoredForContracts(file: ChangedFile): boolean {
  const p = file.path;
  // Examples stay in: in a specification or SDK repository the example contracts are the product.
  return PROSE.has(extension(p)) || isTest(p) || isVendored(p) || isLockfile(p) || isDevTooling(p);
}

/**
 * Parsed YAML/JSON at `side`, or undefined when the text cannot be read or fails `precheck` (so most
 * files are never parsed). Parse errors stay in the result for the caller to judge.
 */
export async function structuredIf(
  ctx: ReviewView,
  side: Side,
  path: string,
  precheck: (text: string) => boolean,
): Promise<{ text: string; parsed: StructuredFile } | undefined> {
  const text = await ctx.text(side, path);
  if (text === undefined || !precheck(text)) return undefined;
  const parsed = await ctx.structured(side, path);
  return parsed ? { text, parsed } : undefined;
}

/** Notes that a file could not be parsed, naming file and line, and what was decided without it. */
export function noteUnparsable(ctx: ReviewView, path: string, parsed: StructuredFile, decision: string): void {
  const error = parsed.errors[0];
  const where = error ? `${path}:${error.line}:${error.column}` : path;
  ctx.note(`${where}: could not parse (${error?.message ?? "unknown error"}); ${decision}`);
}

/** The first added line of a modified file (where the change starts), for a hit's line. */
export async function firstAddedLine(ctx: ReviewView, file: ChangedFile): Promise<number | undefined> {
  if (file.status !== "modified" && file.status !== "renamed") return undefined;
  const added = await ctx.addedLines(file.path);
  return added[0]?.line;
}

/**
 * Kind/apiVersion/name of each Kubernetes object in a YAML/JSON file at `side` (cached per review).
 * Uses the line scanner and falls back to the YAML parser only for JSON, flow style and Lists.
 */
export function manifestHeaders(ctx: ReviewView, side: Side, path: string): Promise<KubernetesObjectHeader[]> {
  return ctx.memo(`kubernetes:headers:${side}\0${path}`, async (review) => {
    const text = await review.text(side, path);
    if (text === undefined || !mayBeKubernetesText(text)) return [];
    const quick = quickKubernetesObjects(text);
    if (quick) return quick;
    const parsed = await review.structured(side, path);
    return parsed ? kubernetesObjects(parsed).map(({ kind, apiVersion, name, docIndex, line }) => ({ kind, apiVersion, name, docIndex, line })) : [];
  });
}

/** The first document of a YAML/JSON file as plain data: JSON.parse for JSON (fast), the YAML parser otherwise. */
export async function documentValue(ctx: ReviewView, side: Side, path: string): Promise<{ value: unknown; parsed?: StructuredFile } | undefined> {
  const text = await ctx.text(side, path);
  if (text === undefined) return undefined;
  if (extension(path) === "json") {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      // Not strict JSON (comments, trailing commas, or broken): the YAML parser reports where.
    }
  }
  const parsed = await ctx.structured(side, path);
  if (!parsed) return undefined;
  return { value: parsed.docs[0]?.value, parsed };
}

/** 1-based line of the first line matching `pattern` (1 when none does). */
export function lineMatching(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  return match ? text.slice(0, match.index).split("\n").length : 1;
}

/**
 * Lines a modified or renamed file removes (base line numbers) and adds (head line numbers). A renamed
 * file is compared with its previous path; when the source gave no patch (a pure rename on GitHub, a huge
 * diff), the two texts are diffed here. Undefined when either text cannot be read.
 */
export async function changedLines(ctx: ReviewView, file: ChangedFile): Promise<{ removed: PatchLine[]; added: PatchLine[] } | undefined> {
  if (hasNonEmptyPatch(file)) return { removed: ctx.removedLines(file.path), added: await ctx.addedLines(file.path) };
  const before = await ctx.text("base", pathAt(file, "base"));
  const after = await ctx.text("head", file.path);
  if (before === undefined || after === undefined) return undefined;
  if (before === after) return { removed: [], added: [] };
  const { unifiedHunks } = await import("../../engine/memory-change.js");
  const { removed, added } = parsePatch(unifiedHunks(before, after).text);
  const clean = (lines: PatchLine[]) => lines.map((l) => ({ line: l.line, text: l.text.replace(/\r$/, "") }));
  return { removed: clean(removed), added: clean(added) };
}
