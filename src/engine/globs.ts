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

export function matchesAny(path: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchesGlob(path, p));
}
