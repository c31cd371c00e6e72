/**
 * Zero-config accuracy of the built-in triggers on real commits (the issue's "Must-show").
 *
 *   npm run bench:accuracy -- <mirrors-dir | mapping.json> [--labels FILE] [--cli FILE] [--jobs N] [--timeout S] [--out FILE]
 *
 * For every hand-labelled commit in bench/accuracy/labels.json, runs `archgate check --format json`
 * against the commit's first parent with no config, and compares the triggers that fired with the
 * labels: per-trigger TP/FP/FN, precision and recall, then every disagreement with the files the
 * trigger named. Not a test: it prints figures.
 *
 * Repositories are found in <mirrors-dir> as `owner+name/repo`, `owner+name`, `owner/name`, `name` or
 * `name.git` (bare or work tree), or through a JSON mapping file { "owner/name": "/path/to/repo" }.
 * By default the CLI runs from source (`node --import tsx src/cli.ts`); `--cli dist/cli.js` runs the build.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BUILTIN_TRIGGER_IDS } from "../src/builtins.js";

interface Label {
  repository: string;
  commit: string;
  parent: string;
  expected: string[];
  why: string;
}

interface Outcome {
  label: Label;
  exitCode: number;
  got: string[];
  /** Files each fired trigger named (for the diagnosis of false positives). */
  files: Record<string, string[]>;
  reasons: Record<string, string>;
  error?: string;
  ms: number;
}

const root = resolve(import.meta.dirname, "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    labels: { type: "string", default: join(root, "bench", "accuracy", "labels.json") },
    cli: { type: "string" },
    jobs: { type: "string", default: "2" },
    timeout: { type: "string", default: "300" },
    out: { type: "string" },
  },
});
if (positionals.length !== 1) {
  console.error("usage: npm run bench:accuracy -- <mirrors-dir | mapping.json> [--labels FILE] [--cli FILE] [--jobs N] [--out FILE]");
  process.exit(2);
}

const labels = (JSON.parse(readFileSync(values.labels!, "utf8")) as { commits: Label[] }).commits;
const locate = repositoryLocator(positionals[0]!);
const cliCommand = values.cli ? [resolve(values.cli)] : ["--import", "tsx", join(root, "src", "cli.ts")];

const outcomes = await mapLimit(labels, Number(values.jobs), async (label) => {
  const repo = locate(label.repository);
  const started = performance.now();
  if (!repo) return { label, exitCode: -1, got: [], files: {}, reasons: {}, error: "repository not found", ms: 0 } satisfies Outcome;
  const result = await runCli([...cliCommand, "check", "--repo", repo, "--base", label.parent, "--head", label.commit, "--format", "json"]);
  const ms = performance.now() - started;
  let report: { triggers?: { id: string; files: string[]; reason: string }[]; problems?: { message: string }[] } | undefined;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    report = undefined;
  }
  const triggers = report?.triggers ?? [];
  const outcome: Outcome = {
    label,
    exitCode: result.code,
    got: triggers.map((t) => t.id).sort(),
    files: Object.fromEntries(triggers.map((t) => [t.id, t.files])),
    reasons: Object.fromEntries(triggers.map((t) => [t.id, t.reason])),
    ms,
  };
  if (!report) outcome.error = result.stderr.trim().split("\n")[0] || `exit ${result.code}, no JSON`;
  else if (result.code === 2) outcome.error = (report.problems ?? []).map((p) => p.message).join("; ") || "exit 2";
  return outcome;
});

const ids = [...new Set([...BUILTIN_TRIGGER_IDS, ...outcomes.flatMap((o) => [...o.got, ...o.label.expected])])].sort();
console.log(`archgate zero-config trigger accuracy: ${outcomes.length} commits from ${new Set(labels.map((l) => l.repository)).size} repositories`);
console.log(`(${outcomes.filter((o) => o.label.expected.length === 0).length} commits labelled with no trigger)\n`);
console.log(
  `${"trigger".padEnd(20)} ${"TP".padStart(4)} ${"FP".padStart(4)} ${"FN".padStart(4)} ${"TN".padStart(4)} ${"precision".padStart(10)} ${"recall".padStart(8)}`,
);
let totalTp = 0;
let totalFp = 0;
let totalFn = 0;
for (const id of ids) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const o of outcomes) {
    const expected = o.label.expected.includes(id);
    const got = o.got.includes(id);
    if (expected && got) tp++;
    else if (got) fp++;
    else if (expected) fn++;
    else tn++;
  }
  totalTp += tp;
  totalFp += fp;
  totalFn += fn;
  console.log(
    `${id.padEnd(20)} ${String(tp).padStart(4)} ${String(fp).padStart(4)} ${String(fn).padStart(4)} ${String(tn).padStart(4)} ${ratio(tp, tp + fp).padStart(10)} ${ratio(tp, tp + fn).padStart(8)}`,
  );
}
console.log(
  `${"all".padEnd(20)} ${String(totalTp).padStart(4)} ${String(totalFp).padStart(4)} ${String(totalFn).padStart(4)} ${"".padStart(4)} ${ratio(totalTp, totalTp + totalFp).padStart(10)} ${ratio(totalTp, totalTp + totalFn).padStart(8)}`,
);

const exact = outcomes.filter((o) => !o.error && sameSet(o.got, o.label.expected)).length;
const quiet = outcomes.filter((o) => o.label.expected.length === 0);
console.log(`\ncommits where the trigger set matches exactly: ${exact}/${outcomes.length}`);
console.log(`commits labelled quiet that stayed quiet: ${quiet.filter((o) => o.got.length === 0).length}/${quiet.length}`);
const errors = outcomes.filter((o) => o.error);
console.log(`runs that could not complete (exit 2 or no JSON): ${errors.length}`);
const times = outcomes.map((o) => o.ms).sort((a, b) => a - b);
console.log(`wall time per commit: median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms`);

console.log("\nDisagreements (repository commit: expected -> got)");
for (const o of outcomes) {
  if (!o.error && sameSet(o.got, o.label.expected)) continue;
  const missing = o.label.expected.filter((id) => !o.got.includes(id));
  const extra = o.got.filter((id) => !o.label.expected.includes(id));
  console.log(`- ${o.label.repository} ${o.label.commit.slice(0, 10)}: [${o.label.expected.join(", ")}] -> [${o.got.join(", ")}]  (${o.label.why})`);
  if (o.error) console.log(`    could not run: ${o.error}`);
  for (const id of missing) console.log(`    missed ${id}`);
  for (const id of extra) {
    const files = o.files[id] ?? [];
    console.log(`    extra ${id}: ${files.slice(0, 4).join(", ")}${files.length > 4 ? ` (+${files.length - 4} more)` : ""} — ${o.reasons[id]}`);
  }
}

if (values.out) {
  writeFileSync(values.out, JSON.stringify(outcomes, null, 2) + "\n");
  console.log(`\nper-commit results written to ${values.out}`);
}

function ratio(a: number, b: number): string {
  return b === 0 ? "n/a" : (a / b).toFixed(2);
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function repositoryLocator(source: string): (repository: string) => string | undefined {
  const path = resolve(source);
  if (existsSync(path) && statSync(path).isFile()) {
    const mapping = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    return (repository) => (mapping[repository] ? resolve(mapping[repository]) : undefined);
  }
  return (repository) => {
    const [owner, name] = repository.split("/") as [string, string];
    const candidates = [
      join(path, `${owner}+${name}`, "repo"),
      join(path, `${owner}+${name}`),
      join(path, owner, name),
      join(path, name),
      join(path, `${name}.git`),
    ];
    return candidates.find((c) => existsSync(c));
  };
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const options = { cwd: root, maxBuffer: 256 * 1024 * 1024, timeout: Number(values.timeout) * 1000, killSignal: "SIGKILL" as const };
    const child = execFile(process.execPath, args, options, (error, stdout, stderr) => {
      const timedOut = (error as { killed?: boolean } | null)?.killed === true;
      done({ code: child.exitCode ?? 2, stdout, stderr: timedOut ? `timed out after ${values.timeout} s` : stderr });
    });
  });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, limit) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}
