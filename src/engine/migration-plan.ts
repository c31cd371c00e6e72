/**
 * A declared migration plan: a section of the PR description under the configured heading (any level)
 * with some text in it. Rules that opt in (`meta.acceptsMigrationPlan`) have their breaking changes
 * accepted by the engine when one is declared.
 */
export function hasMigrationPlan(description: string | undefined, heading: string): boolean {
  if (!description) return false;
  const lines = description.split(/\r?\n/);
  const wanted = heading.trim().toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(lines[i]!);
    if (!m || m[1]!.trim().toLowerCase() !== wanted) continue;
    for (let j = i + 1; j < lines.length; j++) {
      if (/^\s{0,3}#{1,6}\s/.test(lines[j]!)) break;
      if (lines[j]!.trim() !== "") return true;
    }
  }
  return false;
}
