/**
 * Instructions, not seconds: two builds of `archgate check` on the same ranges under valgrind's callgrind, which
 * counts the instructions the Node process runs (all its threads; not the git processes it starts, which both builds
 * run alike). The count hardly depends on what else the machine runs, where CPU time on a shared machine moves by
 * 5-10 % between runs. It is not exact either: V8's helper threads and the order in which git's answers arrive vary,
 * and repeat runs of one build on a 1,000-file range spread over about 2 %; hence several runs (`--runs`, default 3)
 * and their median.
 *
 *   npm run bench:instructions -- <repo-dir> <range>... --before OLD/dist/cli.js [--cli FILE] [--runs N] [--config FILE]
 *
 * A range is `BASE..HEAD` or one commit (against its first parent), as in bench:floor. Both builds run at once, one
 * per core, each some 50 times slower than without valgrind (a 3,000-file range takes about 2 minutes). Each build
 * runs once first, uncounted, to write a code cache of its own for the range (in a fresh directory: which run wrote
 * a build's cache decides how much later runs compile, some 4 % of the instructions of a 1,000-file range). Prints
 * per range both counts, their ratio and whether the two reports are the same bytes. Needs valgrind (Debian's
 * package). Not a test.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkArgs } from "./lib/check-args.js";

const ROOT = resolve(import.meta.dirname, "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { cli: { type: "string" }, before: { type: "string" }, config: { type: "string" }, runs: { type: "string", default: "3" } },
});
const valgrind = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v valgrind"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
})();
if (positionals.length < 2 || !values.before || !valgrind) {
  console.error(
    "usage: npm run bench:instructions -- <repo-dir> <BASE..HEAD | COMMIT>... --before OLD/dist/cli.js [--cli FILE] [--runs N] [--config FILE]",
  );
  console.error("(needs valgrind)");
  process.exit(2);
}
const repo = resolve(positionals[0]!);
const cli = resolve(values.cli ?? join(ROOT, "dist", "cli.js"));
const before = resolve(values.before);
if (!values.cli && !existsSync(cli)) execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", maxBuffer: 1 << 30 }).trim();
const work = mkdtempSync(join(tmpdir(), "archgate-instructions-"));

interface Count {
  instructions: number;
  reportMd5: string;
}

/** A code cache directory per build and range. */
function cacheEnv(label: string, range: string): NodeJS.ProcessEnv {
  return { ...process.env, ARCHGATE_CODE_CACHE: join(work, `cache-${label}-${createHash("md5").update(range).digest("hex").slice(0, 8)}`) };
}

function counted(build: string, base: string, head: string, label: string, range: string): Promise<Count> {
  const out = join(work, `${label}.callgrind`);
  const args = [
    "--tool=callgrind",
    `--callgrind-out-file=${out}`,
    // V8 writes the code it compiles into the heap: valgrind must see code it wrote itself.
    "--smc-check=all-non-file",
    process.execPath,
    ...checkArgs(build, repo, base, head, values.config),
  ];
  return new Promise((done, fail) => {
    execFile(valgrind, args, { maxBuffer: 1 << 30, encoding: "buffer", env: cacheEnv(label, range) }, (error, stdout) => {
      // archgate exits 1 when a hard constraint is violated: a report, not a failure of the run.
      if (error && typeof error.code !== "number") return fail(error);
      const summary = /^totals:\s+(\d+)/m.exec(readFileSync(out, "utf8"));
      if (!summary) return fail(new Error(`no instruction count in ${out}`));
      done({ instructions: Number(summary[1]), reportMd5: createHash("md5").update(stdout).digest("hex").slice(0, 8) });
    });
  });
}

const billions = (n: number) => `${(n / 1e9).toFixed(3)} G`;
const runs = Math.max(1, Number(values.runs));

function summary(counts: readonly Count[]): { median: number; fewest: number; most: number; reports: string[] } {
  const sorted = counts.map((c) => c.instructions).sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)]!,
    fewest: sorted[0]!,
    most: sorted.at(-1)!,
    reports: [...new Set(counts.map((c) => c.reportMd5))],
  };
}
try {
  for (const range of positionals.slice(1)) {
    const [baseRev, headRev] = range.includes("..") ? (range.split(/\.\.\.?/) as [string, string]) : [`${range}~1`, range];
    const head = git("rev-parse", "--verify", `${headRev}^{commit}`);
    const base = git("rev-parse", "--verify", `${baseRev}^{commit}`);
    const files = git("diff-tree", "-r", "-M", "--name-only", "-z", git("merge-base", base, head), head)
      .split("\0")
      .filter(Boolean).length;
    // Code caches first, outside valgrind (each build's first run writes its own).
    for (const [build, label] of [
      [before, "before"],
      [cli, "after"],
    ] as const) {
      try {
        execFileSync(process.execPath, checkArgs(build, repo, base, head, values.config), {
          stdio: "ignore",
          maxBuffer: 1 << 30,
          env: cacheEnv(label, range),
        });
      } catch {
        // exit 1: a violation, the cache is written all the same
      }
    }
    const olds: Count[] = [];
    const nows: Count[] = [];
    for (let run = 0; run < runs; run++) {
      const [old, now] = await Promise.all([counted(before, base, head, "before", range), counted(cli, base, head, "after", range)]);
      olds.push(old);
      nows.push(now);
    }
    const old = summary(olds);
    const now = summary(nows);
    console.log(`${range}: ${files} files, ${runs} runs of each`);
    console.log(`| build | instructions, median | fewest | most | × before (median) | report |`);
    console.log(`|---|---|---|---|---|---|`);
    const row = (name: string, s: ReturnType<typeof summary>) =>
      `| ${name} | ${billions(s.median)} | ${billions(s.fewest)} | ${billions(s.most)} | ${(s.median / old.median).toFixed(3)} | ${s.reports.join(", ")} |`;
    console.log(row(`before (${values.before})`, old));
    console.log(row(`archgate (${values.cli ?? "dist/cli.js"})`, now));
    const same = old.reports.length === 1 && now.reports.length === 1 && old.reports[0] === now.reports[0];
    console.log(same ? "reports: the same bytes\n" : "reports: DIFFERENT\n");
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
