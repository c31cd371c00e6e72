/** Helpers shared by the built-in triggers: reading parsed files safely, wording reasons, skipping noise. */
import type { ChangedFile, Side } from "../engine/change.js";
import type { ReviewContext } from "../engine/context.js";
import { isDevTooling, isDocumentation, isExample, isLockfile, isTest, isVendored } from "../engine/kinds/noise.js";
import { extension } from "../engine/kinds/paths.js";
import type { StructuredFile } from "../engine/structured.js";

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

/** Files no built-in trigger looks at: docs, tests, examples, vendored code, lockfiles, dev tooling. */
export function isIgnoredByTriggers(file: ChangedFile): boolean {
  const paths = file.previousPath ? [file.path, file.previousPath] : [file.path];
  return paths.every((p) => isDocumentation(p) || isTest(p) || isExample(p) || isVendored(p) || isLockfile(p) || isDevTooling(p));
}

const PROSE = new Set(["md", "mdx", "markdown", "rst", "adoc", "asciidoc", "txt", "html"]);

/**
 * Contract files are recognised by what they are, so a spec under docs/ (swaggo's docs/swagger.yaml,
 * a published openapi.json) still counts; prose, tests, examples and vendored copies do not.
 */
export function isIgnoredForContracts(file: ChangedFile): boolean {
  const p = file.path;
  return PROSE.has(extension(p)) || isTest(p) || isExample(p) || isVendored(p) || isLockfile(p) || isDevTooling(p);
}

/**
 * Parsed YAML/JSON at `side`, or undefined when the text cannot be read or fails `precheck` (so most
 * files are never parsed). Parse errors stay in the result for the caller to judge.
 */
export async function structuredIf(
  ctx: ReviewContext,
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
export function noteUnparsable(ctx: ReviewContext, path: string, parsed: StructuredFile, decision: string): void {
  const error = parsed.errors[0];
  const where = error ? `${path}:${error.line}:${error.column}` : path;
  ctx.note(`${where}: could not parse (${error?.message ?? "unknown error"}); ${decision}`);
}

/** The first added line of a modified file (where the change starts), for a hit's line. */
export async function firstAddedLine(ctx: ReviewContext, file: ChangedFile): Promise<number | undefined> {
  if (file.status !== "modified" && file.status !== "renamed") return undefined;
  const added = await ctx.addedLines(file.path);
  return added[0]?.line;
}
