import { matchesAny } from "../../engine/globs.js";
import type { ReviewView } from "../../engine/types.js";
import { languageOf, prepareSource, type Language, type SourceFile } from "./masking.js";

/** Test code and fixtures (the default `testPaths` of the code rules). */
export const DEFAULT_TEST_PATHS = [
  "**/test/**",
  "**/tests/**",
  "**/__tests__/**",
  "**/__fixtures__/**",
  "**/spec/**",
  "**/fixtures/**",
  "**/testdata/**",
  "**/*.test.*",
  "**/*.spec.*",
  "**/*_test.go",
  "**/test_*.py",
  "**/*_test.py",
  "**/*_spec.rb",
];

/**
 * Head sources of the changed files in the given languages that this change adds lines to. Files that
 * cannot be read as text (binary, too large) are skipped; the context already notes them.
 */
export async function addedSources(ctx: ReviewView, languages?: readonly Language[], skipPaths: readonly string[] = []): Promise<SourceFile[]> {
  const sources: SourceFile[] = [];
  for (const source of await allAddedSources(ctx)) {
    if (languages && !languages.includes(source.language)) continue;
    if (skipPaths.length > 0 && matchesAny(source.path, skipPaths)) continue;
    sources.push(source);
  }
  return sources;
}

/** Prepared once per review and shared by the code rules (masking every file per rule was the cost). */
function allAddedSources(ctx: ReviewView): Promise<SourceFile[]> {
  return ctx.memo("source:added-sources", async (review) => {
    const sources: SourceFile[] = [];
    for (const file of review.headFiles) {
      const language = languageOf(file.path);
      if (!language) continue;
      const added = await review.addedLines(file.path);
      if (added.length === 0) continue;
      const text = await review.text("head", file.path);
      if (text === undefined) continue;
      sources.push(
        prepareSource(
          file.path,
          language,
          text.replace(/\r\n/g, "\n"),
          added.map((l) => l.line),
        ),
      );
    }
    return sources;
  });
}
