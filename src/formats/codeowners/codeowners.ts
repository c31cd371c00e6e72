/**
 * GitHub CODEOWNERS: gitignore-style patterns, one per line, followed by owners; the last matching
 * pattern wins, and a pattern with no owners leaves the matching paths unowned.
 * https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners
 */
import { minimatch } from "minimatch";

/** Where GitHub looks for the file, in its order of precedence. */
export const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] as const;

export interface CodeownersEntry {
  pattern: string;
  owners: string[];
  line: number;
}

export function parseCodeowners(text: string): CodeownersEntry[] {
  const entries: CodeownersEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    // `#` starts a comment unless escaped (`\#` is a literal hash in a pattern).
    const line = raw.replace(/(^|[^\\])#.*$/, "$1").trim();
    if (line === "") return;
    const [pattern, ...rest] = line.split(/\s+/);
    const owners = rest.filter((o) => o.startsWith("@") || o.includes("@"));
    entries.push({ pattern: pattern!.replace(/\\#/g, "#").replace(/\\ /g, " "), owners, line: index + 1 });
  });
  return entries;
}

/** True when a CODEOWNERS (gitignore-style) pattern matches `path` (a file path, no leading slash). */
export function codeownersPatternMatches(pattern: string, path: string): boolean {
  let p = pattern;
  const directoryOnly = p.endsWith("/");
  if (directoryOnly) p = p.slice(0, -1);
  // A slash at the start or in the middle anchors the pattern at the root; otherwise it matches at any depth.
  const anchored = p.startsWith("/") || p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  if (p === "") return true;
  const glob = anchored ? p : `**/${p}`;
  const options = { dot: true, nocomment: true, nonegate: true };
  // A pattern naming a directory covers everything below it; `docs/*` covers only the files directly in docs/.
  if (!p.endsWith("/*") && minimatch(path, `${glob}/**`, options)) return true;
  return !directoryOnly && minimatch(path, glob, options);
}

/** The entry that decides who owns `path` (the last one that matches), if any. */
export function ownersOf(entries: readonly CodeownersEntry[], path: string): CodeownersEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    if (codeownersPatternMatches(entries[i]!.pattern, path)) return entries[i];
  }
  return undefined;
}
