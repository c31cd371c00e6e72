/**
 * archgate against the floor: how far `archgate check` is from the work no reviewer of the change can avoid.
 *
 *   npm run bench:floor -- <repo-dir> <range>... [--runs N] [--cli FILE] [--before OLD/dist/cli.js] [--config FILE]
 *
 * A range is `BASE..HEAD` (reviewed as archgate does: merge-base(BASE, HEAD)..HEAD) or one commit (against its
 * first parent). `--cli` is the build under test (default dist/cli.js, built first when missing); `--before` adds
 * another build (e.g. the previous release's dist/cli.js) as a third column. Runs are interleaved (before, archgate,
 * floor, then again), `--runs` times (default 5), each under GNU time (/usr/bin/time, required), after one run of
 * each that is not counted (a build's first run compiles the bundle and writes its code cache).
 *
 * The floor (scripts/lib/floor.mjs) is Node's start-up, `git diff-tree -r -M -z --raw` and `-p` of the same
 * range and one `git cat-file --batch` streaming every changed blob of both sides, read and counted, not parsed.
 * Printed per range and program: CPU (user + system, the process and the git processes it waited for) and wall
 * time, each as minimum and median; peak RSS (the largest process: Node's, as GNU time reports it); and the ratio
 * to the floor. On a shared machine wall time is inflated by other load; CPU much less so: the CPU ratio is the
 * figure to compare. Not a test.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkArgs } from "./lib/check-args.js";
import { median, min, type Sample, seconds, timedRun } from "./lib/timed-run.js";

const ROOT = resolve(import.meta.dirname, "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "5" },
    cli: { type: "string" },
    before: { type: "string" },
    config: { type: "string" },
  },
});
if (positionals.length < 2 || !existsSync("/usr/bin/time")) {
  console.error(
    "usage: npm run bench:floor -- <repo-dir> <BASE..HEAD | COMMIT>... [--runs N] [--cli FILE] [--before OLD/dist/cli.js] [--config FILE]",
  );
  console.error("(needs GNU time at /usr/bin/time)");
  process.exit(2);
}
const repo = resolve(positionals[0]!);
const runs = Math.max(1, Number(values.runs));
const cli = resolve(values.cli ?? join(ROOT, "dist", "cli.js"));
if (!values.cli && !existsSync(cli)) execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
const floorScript = join(ROOT, "scripts", "lib", "floor.mjs");

const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 }).trim();

interface Row {
  name: string;
  samples: Sample[];
}

console.log(
  `bench:floor on ${repo}, ${runs} runs each, interleaved; load average at start ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
for (const range of positionals.slice(1)) {
  const [baseRev, headRev] = range.includes("..") ? (range.split(/\.\.\.?/) as [string, string]) : [`${range}~1`, range];
  const head = git("rev-parse", "--verify", `${headRev}^{commit}`);
  const base = git("rev-parse", "--verify", `${baseRev}^{commit}`);
  const from = git("merge-base", base, head);
  const files = git("diff-tree", "-r", "-M", "--name-only", "-z", from, head).split("\0").filter(Boolean).length;
  const check = (build: string) => checkArgs(build, repo, base, head, values.config);
  const rows: Row[] = [
    ...(values.before ? [{ name: "before", samples: [] as Sample[] }] : []),
    { name: "archgate", samples: [] },
    { name: "floor", samples: [] },
  ];
  const argsOf = (row: Row) =>
    row.name === "floor" ? [floorScript, repo, from, head] : check(row.name === "before" ? resolve(values.before!) : cli);
  // One run of each, not counted: a build's first run writes its code cache (and the blobs come into the page cache).
  for (const row of rows) timedRun(process.execPath, argsOf(row));
  for (let i = 0; i < runs; i++) {
    for (const row of rows) row.samples.push(timedRun(process.execPath, argsOf(row)));
  }
  const floor = rows.find((r) => r.name === "floor")!;
  const floorInfo = JSON.parse(floor.samples[0]!.stdout) as { blobs: number; blobBytes: number; patchBytes: number };
  const report = (() => {
    try {
      const r = JSON.parse(rows.find((x) => x.name === "archgate")!.samples[0]!.stdout) as { conclusion: string; findings: unknown[] };
      return `conclusion ${r.conclusion}, ${r.findings.length} findings`;
    } catch {
      return "no JSON output";
    }
  })();
  console.log(
    `\n${range} (${base.slice(0, 10)}..${head.slice(0, 10)}): ${files} files; floor reads ${floorInfo.blobs} blobs (${(floorInfo.blobBytes / 1e6).toFixed(1)} MB) and ${(floorInfo.patchBytes / 1e6).toFixed(1)} MB of patches; archgate: ${report}`,
  );
  const header = [
    "",
    "CPU min",
    "CPU median",
    "wall min",
    "wall median",
    "peak RSS",
    "CPU ×floor (median)",
    "CPU ×floor (min)",
    "wall ×floor (median)",
  ];
  const table = rows.map((row) => {
    const cpu = row.samples.map((s) => s.cpu);
    const wall = row.samples.map((s) => s.wall);
    const codes = [...new Set(row.samples.map((s) => s.code))].join("/");
    return [
      `${row.name}${row.name === "floor" ? "" : ` (exit ${codes})`}`,
      seconds(min(cpu)),
      seconds(median(cpu)),
      seconds(min(wall)),
      seconds(median(wall)),
      `${(Math.max(...row.samples.map((s) => s.rssKiB)) / 1024).toFixed(0)} MB`,
      `${(median(cpu) / median(floor.samples.map((s) => s.cpu))).toFixed(2)}×`,
      `${(min(cpu) / min(floor.samples.map((s) => s.cpu))).toFixed(2)}×`,
      `${(median(wall) / median(floor.samples.map((s) => s.wall))).toFixed(2)}×`,
    ];
  });
  console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
  for (const line of table) console.log(`| ${line.join(" | ")} |`);
}
console.log(
  `\nload average at end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
