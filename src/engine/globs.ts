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

/** Answers per pattern list (the same config or rule list is asked about the same paths by several modules). */
const answers = new WeakMap<readonly string[], Map<string, boolean>>();

export function matchesAny(path: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  let known = answers.get(patterns);
  if (!known) answers.set(patterns, (known = new Map()));
  let answer = known.get(path);
  if (answer === undefined) {
    if (known.size >= 50_000) known.clear();
    answer = patterns.some((p) => matchesGlob(path, p));
    known.set(path, answer);
  }
  return answer;
}
