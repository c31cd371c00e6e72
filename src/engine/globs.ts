import { Minimatch } from "minimatch";

/** Compiled globs: a review matches every changed path against the same few patterns. */
const compiledGlobs = new Map<string, Minimatch>();

/** Glob matching used everywhere (dotfiles included, so `.github/**` works). */
export function matchesGlob(path: string, pattern: string): boolean {
  let glob = compiledGlobs.get(pattern);
  if (!glob) {
    if (compiledGlobs.size >= 2_000) compiledGlobs.clear(); // configs are small; this only bounds abuse
    glob = new Minimatch(pattern, { dot: true, nocomment: true });
    compiledGlobs.set(pattern, glob);
  }
  return glob.match(path);
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
