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
 * cannot be read as text (binary, too large) are skipped; the context already notes them. A file is read and
 * prepared only when some caller wants it (its language, outside `skipPaths`), once per review: test code that
 * every code rule skips is never read.
 */
export async function addedSources(ctx: ReviewView, languages?: readonly Language[], skipPaths: readonly string[] = []): Promise<SourceFile[]> {
  const sources: SourceFile[] = [];
  for (const { path, language } of codeFiles(ctx)) {
    if (languages && !languages.includes(language)) continue;
    if (skipPaths.length > 0 && matchesAny(path, skipPaths)) continue;
    const source = await addedSource(ctx, path, language);
    if (source) sources.push(source);
  }
  return sources;
}

/** The changed files at head in a language the code rules read, in the review's order. */
function codeFiles(ctx: ReviewView): { path: string; language: Language }[] {
  return ctx.memo("source:code-files", (review) =>
    review.headFiles.flatMap((file) => {
      const language = languageOf(file.path);
      return language ? [{ path: file.path, language }] : [];
    }),
  );
}

/** One file's head source with its added lines, prepared once per review and shared by the code rules. */
function addedSource(ctx: ReviewView, path: string, language: Language): Promise<SourceFile | undefined> {
  return ctx.memo(`source:added-sources\0${path}`, async (review) => {
    const added = await review.addedLines(path);
    if (added.length === 0) return undefined;
    const text = await review.text("head", path);
    if (text === undefined) return undefined;
    return prepareSource(
      path,
      language,
      text.replace(/\r\n/g, "\n"),
      added.map((l) => l.line),
    );
  });
}
