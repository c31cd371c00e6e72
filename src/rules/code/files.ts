import type { ReviewContext } from "../../engine/context.js";
import { languageOf, prepareSource, type Language, type SourceFile } from "./source.js";

/**
 * Head sources of the changed files in the given languages that this change adds lines to. Files that
 * cannot be read as text (binary, too large) are skipped; the context already notes them.
 */
export async function addedSources(ctx: ReviewContext, languages?: readonly Language[]): Promise<SourceFile[]> {
  const sources: SourceFile[] = [];
  for (const file of ctx.headFiles) {
    const language = languageOf(file.path);
    if (!language || (languages && !languages.includes(language))) continue;
    const added = await ctx.addedLines(file.path);
    if (added.length === 0) continue;
    const text = await ctx.text("head", file.path);
    if (text === undefined) continue;
    sources.push(prepareSource(file.path, language, text.replace(/\r\n/g, "\n"), added.map((l) => l.line)));
  }
  return sources;
}
