/**
 * Behaviour unchanged? Runs two builds of the CLI on the same real commits and compares their output
 * byte for byte (a refactor or a speed-up must not change a single finding).
 *
 *   npm run compare-reports -- --before OLD/dist/cli.js [--after dist/cli.js] <mirrors-dir> [--labels FILE]... [--format json|markdown] [--jobs N]
 *
 * The commits are every hand-labelled commit of the accuracy sets (bench/accuracy/labels*.json), each
 * reviewed against its first parent with no config. `--after` defaults to the current sources
 * (`node --import tsx src/cli.ts`). Prints one line per differing commit with the first differing line,
 * then `N same, N different, N missing`; exits 1 when any differ.
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
  },
});
if (positionals.length !== 1 || !values.before) {
  console.error("usage: npm run compare-reports -- --before OLD/dist/cli.js [--after dist/cli.js] <mirrors-dir> [--labels FILE]... [--format json|markdown]");
  process.exit(2);
}
const cli = (path: string | undefined) => (path ? [path] : ["--import", "tsx", join(ROOT, "src", "cli.ts")]);
const before = cli(values.before);
const after = cli(values.after);
const locate = repositoryLocator(positionals[0]!);
const commits = (values.labels ?? LABEL_SETS).flatMap(readLabels);

let same = 0;
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
  different++;
  const left = a.stdout.split("\n");
  const right = b.stdout.split("\n");
  const at = left.findIndex((line, i) => line !== right[i]);
  console.log(`DIFF ${name}: exit ${a.code} -> ${b.code}; line ${at + 1}:\n  - ${left[at] ?? "(end)"}\n  + ${right[at] ?? "(end)"}`);
  if (a.code === 2 && a.stderr) console.log(`  before stderr: ${a.stderr.slice(0, 300)}`);
  if (b.code === 2 && b.stderr) console.log(`  after stderr: ${b.stderr.slice(0, 300)}`);
});
console.log(`${commits.length} commits in ${((performance.now() - started) / 1000).toFixed(0)} s: ${same} same, ${different} different, ${missing} missing`);
process.exit(different > 0 || missing > 0 ? 1 : 0);
