/**
 * archgate against Danger JS: `archgate check` and `danger local` running a Dangerfile that only matches file
 * names (bench/danger/dangerfile.js: what archgate's triggers do, by path alone, reading no contents), on the
 * same commits, side by side.
 *
 *   npm run bench:danger -- <repo-dir> <COMMIT>... --danger <path to the danger binary> [--runs N] [--cli FILE] [--before OLD/dist/cli.js]
 *
 * Each commit is reviewed against its first parent. Danger is not a dependency of archgate: install it anywhere
 * outside the project (`npm install danger` in a scratch folder) and pass its `node_modules/.bin/danger`.
 * `danger local` diffs `BASE...HEAD` of the repository in its working directory, so it runs in a scratch git
 * directory that borrows the repository's objects (objects/info/alternates) with HEAD detached at the commit:
 * nothing is written to the repository itself. Runs are interleaved (before, archgate, danger, then again),
 * `--runs` times (default 5), each under GNU time (/usr/bin/time, required), which counts the CPU of the process
 * and of the processes it waited for (git, Danger's runner), after one run of each that is not counted (a build's
 * first run compiles the bundle and writes its code cache).
 *
 * Printed per commit: CPU (user + system) and wall, minimum and median; peak RSS; and how many times faster
 * archgate is than Danger (Danger's median over archgate's). CPU is the figure to compare on a shared machine.
 * Not a test.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkArgs } from "./lib/check-args.js";
import { median, min, type Sample, seconds, timedRun } from "./lib/timed-run.js";

const ROOT = resolve(import.meta.dirname, "..");
const DANGERFILE = join(ROOT, "bench", "danger", "dangerfile.js");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "5" },
    cli: { type: "string" },
    before: { type: "string" },
    danger: { type: "string" },
  },
});
if (positionals.length < 2 || !values.danger || !existsSync("/usr/bin/time")) {
  console.error("usage: npm run bench:danger -- <repo-dir> <COMMIT>... --danger <danger binary> [--runs N] [--cli FILE] [--before OLD/dist/cli.js]");
  console.error("(needs GNU time at /usr/bin/time; install Danger outside the project: npm install danger)");
  process.exit(2);
}
const repo = resolve(positionals[0]!);
const danger = resolve(values.danger);
const runs = Math.max(1, Number(values.runs));
const cli = resolve(values.cli ?? join(ROOT, "dist", "cli.js"));
if (!values.cli && !existsSync(cli)) execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });

const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 }).trim();

/** A scratch git directory borrowing the repository's objects, for `danger local` (which diffs against HEAD). */
const scratch = mkdtempSync(join(tmpdir(), "archgate-bench-danger-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
const gitDir = join(scratch, "git");
execFileSync("git", ["init", "--quiet", "--bare", gitDir]);
const common = git("rev-parse", "--git-common-dir");
const objects = join(isAbsolute(common) ? common : join(repo, common), "objects");
writeFileSync(join(gitDir, "objects", "info", "alternates"), `${objects}\n`);

console.log(
  `bench:danger on ${repo}, ${runs} runs each, interleaved; Danger ${execFileSync(danger, ["--version"], { encoding: "utf8" }).trim()}; load average at start ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
for (const commit of positionals.slice(1)) {
  const head = git("rev-parse", "--verify", `${commit}^{commit}`);
  const base = git("rev-parse", "--verify", `${head}~1`);
  const files = git("diff-tree", "-r", "--name-only", "-z", base, head).split("\0").filter(Boolean).length;
  execFileSync("git", ["--git-dir", gitDir, "update-ref", "--no-deref", "HEAD", head]);
  const check = (build: string) => checkArgs(build, repo, base, head);
  const dangerEnv = { ...process.env, GIT_DIR: gitDir };
  const dangerArgs = ["local", "--base", base, "--dangerfile", DANGERFILE, "--text-only"];
  const rows: { name: string; samples: Sample[] }[] = [
    ...(values.before ? [{ name: "before", samples: [] as Sample[] }] : []),
    { name: "archgate", samples: [] },
    { name: "danger local", samples: [] },
  ];
  const runOnce = (row: (typeof rows)[number]) =>
    row.name === "danger local"
      ? timedRun(danger, dangerArgs, { env: dangerEnv, cwd: scratch })
      : timedRun(process.execPath, check(row.name === "before" ? resolve(values.before!) : cli), { cwd: ROOT });
  // One run of each, not counted: a build's first run compiles the bundle and writes its code cache.
  for (const row of rows) runOnce(row);
  for (let i = 0; i < runs; i++) {
    for (const row of rows) row.samples.push(runOnce(row));
  }
  const dangerRow = rows.find((r) => r.name === "danger local")!;
  const dangerSaid = dangerRow.samples[0]!.stdout.trim().split("\n")[0] ?? "";
  console.log(`\n${commit} (${base.slice(0, 10)}..${head.slice(0, 10)}): ${files} files; Danger said: ${dangerSaid}`);
  const header = ["", "CPU min", "CPU median", "wall min", "wall median", "peak RSS", "Danger ÷ this, CPU (median)", "Danger ÷ this, wall (median)"];
  console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
  for (const row of rows) {
    const cpu = row.samples.map((s) => s.cpu);
    const wall = row.samples.map((s) => s.wall);
    const codes = [...new Set(row.samples.map((s) => s.code))].join("/");
    const line = [
      `${row.name} (exit ${codes})`,
      seconds(min(cpu)),
      seconds(median(cpu)),
      seconds(min(wall)),
      seconds(median(wall)),
      `${(Math.max(...row.samples.map((s) => s.rssKiB)) / 1024).toFixed(0)} MB`,
      `${(median(dangerRow.samples.map((s) => s.cpu)) / median(cpu)).toFixed(2)}×`,
      `${(median(dangerRow.samples.map((s) => s.wall)) / median(wall)).toFixed(2)}×`,
    ];
    console.log(`| ${line.join(" | ")} |`);
  }
}
console.log(
  `\nload average at end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
