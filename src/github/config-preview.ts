import type { Change } from "../engine/change.js";
import type { Report } from "../engine/types.js";
import { CONFIG_PATH } from "../config/load.js";
import type { ArchgateConfig } from "../config/schema.js";
import type { LoadedConfig } from "./config.js";
import { code } from "../render/markdown.js";

/** Items listed per section of the preview before it says "and N more". */
const MAX_ITEMS = 20;

/**
 * When a PR edits `.github/archgate.yml`, the gate still uses the default branch's config; this previews
 * what the PR's config would change once merged: its errors, or the differences in triggers, review
 * types and findings on this very PR. `loadProposed` loads the config as it would be after the merge
 * (the PR's file, its `_extends` chain, or the org's `.github` fallback when the PR removes the file);
 * `reviewWith` reviews this change under it. Undefined when the PR does not touch the config.
 */
export async function previewConfigChange(
  change: Change,
  current: Report,
  loadProposed: () => Promise<LoadedConfig>,
  reviewWith: (config: ArchgateConfig) => Promise<Report>,
): Promise<string | undefined> {
  const file = change.files.find((f) => f.path === CONFIG_PATH || f.previousPath === CONFIG_PATH);
  if (!file) return undefined;

  const loaded = await loadProposed();
  if (!loaded.ok) {
    const where = loaded.inRepository
      ? code(CONFIG_PATH)
      : `config it extends (${code(`${loaded.file.owner}/${loaded.file.repo}:${loaded.file.path}`)})`;
    const lines = [`❌ The new ${where} is invalid; once merged, every review would fail until it is fixed:`, ""];
    for (const issue of loaded.error.issues.slice(0, MAX_ITEMS)) {
      lines.push(`- ${code(`${issue.file}:${issue.line}:${issue.column}`)} ${issue.key ? `${code(issue.key)}: ` : ""}${issue.message}`);
    }
    if (loaded.error.issues.length > MAX_ITEMS) lines.push(`- …and ${loaded.error.issues.length - MAX_ITEMS} more`);
    return lines.join("\n");
  }
  const proposed: ArchgateConfig = loaded.config;
  const next = await reviewWith(proposed);
  const intro =
    file.status === "removed" || file.path !== CONFIG_PATH
      ? `This pull request removes ${code(CONFIG_PATH)}. This review used the default branch's config; with ${loaded.sources.length > 0 ? `the organisation's config (${loaded.sources.map(code).join(" → ")})` : "the built-in defaults"} instead:`
      : `This pull request edits ${code(CONFIG_PATH)}. This review used the default branch's config; with the PR's config${loaded.sources.length > 1 ? ` (${loaded.sources.map(code).join(" → ")})` : ""} it would change as follows:`;
  const lines: string[] = [intro, ""];
  const triggerDiff = diff(
    current.triggers.map((t) => t.id),
    next.triggers.map((t) => t.id),
  );
  const typeDiff = diff(
    current.reviewTypes.map((t) => t.id),
    next.reviewTypes.map((t) => t.id),
  );
  const key = (f: Report["findings"][number]) => `${f.id}`;
  const before = new Map(current.findings.map((f) => [key(f), f]));
  const after = new Map(next.findings.map((f) => [key(f), f]));
  const added = [...after.values()].filter((f) => !before.has(key(f)));
  const removed = [...before.values()].filter((f) => !after.has(key(f)));
  const changedSeverity = [...after.values()].filter((f) => before.has(key(f)) && before.get(key(f))!.severity !== f.severity);

  let any = false;
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    any = true;
    lines.push(`- ${title}: ${items.slice(0, MAX_ITEMS).join(", ")}${items.length > MAX_ITEMS ? ` and ${items.length - MAX_ITEMS} more` : ""}`);
  };
  section("triggers added", triggerDiff.added.map(code));
  section("triggers no longer hit", triggerDiff.removed.map(code));
  section("review types added", typeDiff.added.map(code));
  section("review types no longer required", typeDiff.removed.map(code));
  const where = (f: Report["findings"][number]) => `${code(f.rule)} at ${code(f.line ? `${f.file}:${f.line}` : f.file)}`;
  section(
    "new findings",
    added.map((f) => `${where(f)} (${f.severity})`),
  );
  section("findings gone", removed.map(where));
  section(
    "severity changes",
    changedSeverity.map((f) => `${where(f)} ${before.get(key(f))!.severity} → ${f.severity}`),
  );
  if (next.conclusion !== current.conclusion) {
    any = true;
    lines.push(`- the check would conclude ${code(next.conclusion)} instead of ${code(current.conclusion)}`);
  }
  if (!any) lines.push("- no difference for this pull request.");
  return lines.join("\n");
}

function diff(before: string[], after: string[]): { added: string[]; removed: string[] } {
  return { added: after.filter((x) => !before.includes(x)), removed: before.filter((x) => !after.includes(x)) };
}
