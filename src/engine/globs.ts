import { Minimatch } from "minimatch";

/** A compiled glob, and a text every path it matches holds (see `requiredText`). */
interface CompiledGlob {
  glob: Minimatch;
  required: string | undefined;
}

/** Compiled globs: a review matches every changed path against the same few patterns. */
const compiledGlobs = new Map<string, CompiledGlob>();

/** Patterns of names, `/`, `*` and `**` only: no classes, braces, extglobs, escapes or negation. */
const PLAIN_PATTERN = /^[\w.\-/*]+$/;
/** A `.` or `..` segment: minimatch folds `a/../b` into `b`, so `a` need not be in a path it matches. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * The longest run of literal characters in a plain pattern (`.spec.` in the pattern of spec files, `fixtures` in that
 * of fixture directories): a `*` matches within one path segment and a `**` whole segments, so every path the pattern
 * matches holds that run. Most paths hold none of the test and lock-file patterns' runs, and a substring search
 * answers them without minimatch (half of the path matching of a 1,400-file review).
 */
export function requiredText(pattern: string): string | undefined {
  if (!PLAIN_PATTERN.test(pattern) || DOT_SEGMENT.test(pattern)) return undefined;
  let longest = "";
  for (const run of pattern.split(/[/*]+/)) if (run.length > longest.length) longest = run;
  return longest === "" ? undefined : longest;
}

/** Glob matching used everywhere (dotfiles included, so `.github/**` works). */
export function matchesGlob(path: string, pattern: string): boolean {
  let compiled = compiledGlobs.get(pattern);
  if (!compiled) {
    if (compiledGlobs.size >= 2_000) compiledGlobs.clear(); // configs are small; this only bounds abuse
    compiled = { glob: new Minimatch(pattern, { dot: true, nocomment: true }), required: requiredText(pattern) };
    compiledGlobs.set(pattern, compiled);
  }
  if (compiled.required !== undefined && !path.includes(compiled.required)) return false;
  return compiled.glob.match(path);
}

/**
 * Answers per list of patterns, shared by equal lists (each code rule has its own `testPaths` with the same
 * defaults, asked about the same paths).
 */
const answers = new Map<string, Map<string, boolean>>();
const listKeys = new WeakMap<readonly string[], string>();
let remembered = 0;

export function matchesAny(path: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  let key = listKeys.get(patterns);
  if (key === undefined) listKeys.set(patterns, (key = patterns.join("\0")));
  let known = answers.get(key);
  if (!known) answers.set(key, (known = new Map()));
  let answer = known.get(path);
  if (answer === undefined) {
    // Bounded for a long-running server that reviews many repositories.
    if (++remembered > 200_000) {
      answers.clear();
      answers.set(key, (known = new Map()));
      remembered = 1;
    }
    answer = patterns.some((p) => matchesGlob(path, p));
    known.set(path, answer);
  }
  return answer;
}
