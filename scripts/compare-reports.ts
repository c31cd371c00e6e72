/**
 * Behaviour unchanged? Runs two builds of the CLI on the same real commits and compares their output
 * byte for byte (a refactor or a speed-up must not change a single finding).
 *
 *   npm run compare-reports -- --before OLD/dist/cli.js [--after dist/cli.js] <mirrors-dir> [--labels FILE]... [--format json|markdown] [--jobs N]
 *
 * The commits are every hand-labelled commit of the accuracy sets (bench/accuracy/labels*.json), each
 * reviewed against its first parent with no config. `--after` defaults to the current sources
 * (`node --import tsx src/cli.ts`). For JSON output each differing commit is classified by the sections
 * that differ (triggers, findings, conclusion, notes, ...), with the first differing line of each;
 * `--allow notes` counts commits whose only difference is in the listed sections as expected, not as
 * different. Ends with `N same, N expected, N different, N missing`; exits 1 when any differ.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LABEL_SETS, mapLimit, readLabels, repositoryLocator, ROOT, runNode } from "./lib/mirrors.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    before: { type: "string" },
    after: { type: "string" },
    labels: { type: "string", multiple: true },
    format: { type: "string", default: "json" },
    jobs: { type: "string", default: "2" },
    allow: { type: "string", multiple: true, default: [] },
  },
});
if (positionals.length !== 1 || !values.before) {
  console.error(
    "usage: npm run compare-reports -- --before OLD/dist/cli.js [--after dist/cli.js] <mirrors-dir> [--labels FILE]... [--format json|markdown]",
  );
  process.exit(2);
}
const cli = (path: string | undefined) => (path ? [path] : ["--import", "tsx", join(ROOT, "src", "cli.ts")]);
const before = cli(values.before);
const after = cli(values.after);
const locate = repositoryLocator(positionals[0]!);
const commits = (values.labels ?? LABEL_SETS).flatMap(readLabels);

let same = 0;
let expected = 0;
let different = 0;
let missing = 0;
const started = performance.now();
await mapLimit(commits, Number(values.jobs), async (label) => {
  const repo = locate(label.repository);
  if (!repo) {
    missing++;
    return;
  }
  const args = ["check", "--repo", repo, "--base", label.parent, "--head", label.commit, "--format", values.format!];
  const [a, b] = [await runNode([...before, ...args], { cwd: ROOT }), await runNode([...after, ...args], { cwd: ROOT })];
  const name = `${label.repository}@${label.commit.slice(0, 10)}`;
  if (a.code === b.code && a.stdout === b.stdout) {
    same++;
    return;
  }
  const sections = values.format === "json" ? differingSections(a.stdout, b.stdout) : undefined;
  if (a.code === b.code && sections && sections.length > 0 && sections.every((s) => values.allow!.includes(s.name))) {
    expected++;
    console.log(
      `EXPECTED ${name}: ${sections.map((s) => s.name).join(", ")}${values.allow!.includes("notes") ? `\n  ${firstLine(sections[0]!)}` : ""}`,
    );
    return;
  }
  different++;
  console.log(`DIFF ${name}: exit ${a.code} -> ${b.code}; ${sections ? `sections ${sections.map((s) => s.name).join(", ")}` : "output differs"}`);
  for (const section of sections ?? [{ name: "output", before: a.stdout, after: b.stdout }]) console.log(`  ${firstLine(section)}`);
  if (a.code === 2 && a.stderr) console.log(`  before stderr: ${a.stderr.slice(0, 300)}`);
  if (b.code === 2 && b.stderr) console.log(`  after stderr: ${b.stderr.slice(0, 300)}`);
});
console.log(
  `${commits.length} commits in ${((performance.now() - started) / 1000).toFixed(0)} s: ${same} same, ${expected} expected (only ${values.allow!.join(", ") || "-"} differ), ${different} different, ${missing} missing`,
);
process.exit(different > 0 || missing > 0 ? 1 : 0);

interface Section {
  name: string;
  before: string;
  after: string;
}

/** The top-level keys of two JSON reports whose values differ (undefined when either is not JSON). */
function differingSections(before: string, after: string): Section[] | undefined {
  let a: Record<string, unknown>;
  let b: Record<string, unknown>;
  try {
    a = JSON.parse(before) as Record<string, unknown>;
    b = JSON.parse(after) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys
    .map((name) => ({ name, before: JSON.stringify(a[name], null, 2) ?? "undefined", after: JSON.stringify(b[name], null, 2) ?? "undefined" }))
    .filter((s) => s.before !== s.after);
}

/** The first line where a section differs, before and after. */
function firstLine(section: Section): string {
  const left = section.before.split("\n");
  const right = section.after.split("\n");
  const at = left.findIndex((line, i) => line !== right[i]);
  const i = at < 0 ? left.length : at;
  return `${section.name}: - ${(left[i] ?? "(end)").trim()}\n  ${" ".repeat(section.name.length)}  + ${(right[i] ?? "(end)").trim()}`;
}
