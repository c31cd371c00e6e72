/**
 * How long the PR comment's checklist is, before and after, on the positive commits (labelled with at least one
 * trigger) of every hand-labelled accuracy set, zero config:
 *
 *   npm run bench:checklist -- /work/.mirror --before /path/to/old/dist/cli.js [--jobs N] [--out FILE]
 *
 * Runs `archgate check --format json` on each commit with the old CLI (`--before`) and the current source, prints
 * the median and maximum number of checklist items per set and overall, and lists every item the current source no
 * longer asks for, with the trigger sets of the commits it was dropped from (how to check nothing a careful lead
 * needs went missing). Not a test: it prints figures.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type LabelledCommit, mapLimit, readLabels, repositoryLocator, ROOT, runNode } from "./lib/mirrors.js";

interface Side {
  items: string[];
  triggers: string[];
  reviewTypes: string[];
  error?: string;
}

interface Row {
  set: string;
  label: LabelledCommit;
  before: Side;
  after: Side;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    before: { type: "string" },
    jobs: { type: "string", default: "2" },
    out: { type: "string" },
    timeout: { type: "string", default: "300" },
  },
});
if (positionals.length !== 1 || !values.before) {
  console.error("usage: npm run bench:checklist -- <mirrors-dir | mapping.json> --before OLD/dist/cli.js [--jobs N] [--out FILE]");
  process.exit(2);
}
const locate = repositoryLocator(positionals[0]!);
const sets = readdirSync(join(ROOT, "bench", "accuracy"))
  .filter((name) => /^labels.*\.json$/.test(name))
  .sort();
const work = sets.flatMap((set) =>
  readLabels(join(ROOT, "bench", "accuracy", set))
    .filter((l) => l.expected.length > 0)
    .map((label) => ({ set, label })),
);
const before = [resolve(values.before)];
const after = ["--import", "tsx", join(ROOT, "src", "cli.ts")];

async function side(cli: string[], label: LabelledCommit): Promise<Side> {
  const repo = locate(label.repository);
  if (!repo) return { items: [], triggers: [], reviewTypes: [], error: "repository not found" };
  const result = await runNode([...cli, "check", "--repo", repo, "--base", label.parent, "--head", label.commit, "--format", "json"], {
    cwd: ROOT,
    timeoutMs: Number(values.timeout) * 1000,
  });
  try {
    const report = JSON.parse(result.stdout) as {
      checklist: { items: { id: string }[] }[];
      triggers: { id: string }[];
      reviewTypes: { id: string }[];
    };
    return {
      items: report.checklist.flatMap((s) => s.items.map((i) => i.id)),
      triggers: report.triggers.map((t) => t.id).sort(),
      reviewTypes: report.reviewTypes.map((t) => t.id),
    };
  } catch {
    return { items: [], triggers: [], reviewTypes: [], error: result.stderr.trim().split("\n")[0] || `exit ${result.code}` };
  }
}

const rows: Row[] = await mapLimit(work, Number(values.jobs), async ({ set, label }) => ({
  set,
  label,
  before: await side(before, label),
  after: await side(after, label),
}));

function stats(lengths: number[]): string {
  if (lengths.length === 0) return "n/a";
  const sorted = [...lengths].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return `median ${median}, max ${sorted.at(-1)}`;
}

console.log(`Checklist items on the positive commits of ${sets.length} labelled sets (zero config): before (${values.before}) -> after (source)\n`);
console.log(`| set | positive commits | before | after |`);
console.log(`|---|---|---|---|`);
for (const set of [...sets, "all"]) {
  const selected = rows.filter((r) => (set === "all" || r.set === set) && !r.before.error && !r.after.error);
  console.log(
    `| ${set} | ${selected.length} | ${stats(selected.map((r) => r.before.items.length))} | ${stats(selected.map((r) => r.after.items.length))} |`,
  );
}
const failed = rows.filter((r) => r.before.error || r.after.error);
if (failed.length > 0) {
  console.log(`\nleft out (a run could not complete): ${failed.length}`);
  for (const r of failed) console.log(`- ${r.label.repository} ${r.label.commit.slice(0, 10)}: ${r.before.error ?? ""} ${r.after.error ?? ""}`);
}

console.log("\nBy trigger set (after): commits, median/max items before -> after, review type after");
const byTriggers = new Map<string, Row[]>();
for (const r of rows) {
  if (r.after.error) continue;
  const key = r.after.triggers.join("+") || "(none)";
  byTriggers.set(key, [...(byTriggers.get(key) ?? []), r]);
}
for (const [key, list] of [...byTriggers].sort((a, b) => b[1].length - a[1].length)) {
  const types = [...new Set(list.map((r) => r.after.reviewTypes.join("+")))].join(" | ");
  console.log(
    `- ${key}: ${list.length}; ${stats(list.map((r) => r.before.items.length))} -> ${stats(list.map((r) => r.after.items.length))}; ${types}`,
  );
}

console.log("\nItems no longer asked, with the trigger sets (after) of the commits they were dropped from");
const dropped = new Map<string, Map<string, number>>();
for (const r of rows) {
  if (r.before.error || r.after.error) continue;
  for (const id of r.before.items) {
    if (r.after.items.includes(id)) continue;
    const byKey = dropped.get(id) ?? new Map<string, number>();
    const key = r.after.triggers.join("+") || "(none)";
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
    dropped.set(id, byKey);
  }
}
for (const [id, byKey] of [...dropped].sort((a, b) => a[0].localeCompare(b[0]))) {
  console.log(`- ${id}: ${[...byKey].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
}
const added = new Set(rows.flatMap((r) => r.after.items.filter((id) => !r.before.items.includes(id))));
if (added.size > 0) console.log(`\nItems asked now that were not before: ${[...added].sort().join(", ")}`);

if (values.out) {
  writeFileSync(values.out, JSON.stringify(rows, null, 2) + "\n");
  console.log(`\nper-commit results written to ${values.out}`);
}
