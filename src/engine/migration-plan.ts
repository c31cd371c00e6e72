/**
 * A declared migration plan: a section of the PR description under the configured heading (any level).
 * Rules that opt in (`meta.acceptsMigrationPlan`) have their breaking changes held as "awaiting
 * acceptance" when one is declared (or accepted outright with `migrationPlan.acceptedBy: author`).
 * A placeholder (`TBD`, `TODO`, `n/a`, fewer than ten words) is no plan.
 */
export type MigrationPlanStatus = "none" | "placeholder" | "declared";

/** Words a plan needs before it counts as one. */
export const MIN_PLAN_WORDS = 10;

const PLACEHOLDER = /^(tbd|tba|todo|n\/?a|none|later|wip|-+|\.+|\u2026)[.!]*$/i;

/** The text under the first section with `heading`, or undefined when there is no such section. */
export function migrationPlanText(description: string | undefined, heading: string): string | undefined {
  if (!description) return undefined;
  const lines = description.split(/\r?\n/);
  const wanted = heading.trim().toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(lines[i]!);
    if (!m || m[1]!.trim().toLowerCase() !== wanted) continue;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      if (/^\s{0,3}#{1,6}\s/.test(lines[j]!)) break;
      body.push(lines[j]!);
    }
    return body.join("\n").trim();
  }
  return undefined;
}

export function migrationPlanStatus(description: string | undefined, heading: string): MigrationPlanStatus {
  const text = migrationPlanText(description, heading);
  if (text === undefined || text === "") return "none";
  // Markdown decoration and HTML comments (a PR template's hints) are not words of a plan.
  const plain = text
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/[*_`>#|[\]()]/g, " ")
    .replace(/^\s*[-+]\s+(\[[ xX]\]\s*)?/gm, " ")
    .trim();
  if (plain === "" || PLACEHOLDER.test(plain)) return "placeholder";
  const words = plain.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  return words.length < MIN_PLAN_WORDS ? "placeholder" : "declared";
}

/** True when the description declares a migration plan that is more than a placeholder. */
export function hasMigrationPlan(description: string | undefined, heading: string): boolean {
  return migrationPlanStatus(description, heading) === "declared";
}
