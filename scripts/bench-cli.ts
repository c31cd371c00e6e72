/**
 * Wall time and peak memory of `archgate check` on one real commit, start-up included.
 *
 *   npm run bench:cli -- <repo-dir> <commit> [--base REV] [--runs N] [--config FILE]
 *
 * Runs the built CLI (`dist/cli.js`, built first when missing) against the commit's first parent (or
 * --base) N times and prints the median and minimum wall time, the peak RSS and CPU time (user + system,
 * through GNU time when /usr/bin/time exists) and the machine's load average: on a busy machine wall time
 * is inflated, CPU time much less so.
 * Target: under 1 s for a ~300-file commit. Not a test.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkArgs } from "./lib/check-args.js";

const root = resolve(import.meta.dirname, "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    base: { type: "string" },
    runs: { type: "string", default: "7" },
    config: { type: "string" },
  },
});
if (positionals.length !== 2) {
  console.error("usage: npm run bench:cli -- <repo-dir> <commit> [--base REV] [--runs N] [--config FILE]");
  process.exit(2);
}
const [repo, commit] = [resolve(positionals[0]!), positionals[1]!];
const base = values.base ?? `${commit}~1`;
const runs = Math.max(1, Number(values.runs));

const cli = join(root, "dist", "cli.js");
if (!existsSync(cli)) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });

const files = execFileSync("git", ["-C", repo, "diff", "--name-only", "-z", `${base}...${commit}`], { encoding: "utf8" })
  .split("\0")
  .filter(Boolean).length;
const args = checkArgs(cli, repo, base, commit, values.config);
const gnuTime = existsSync("/usr/bin/time");

const times: number[] = [];
let peakKiB = 0;
const cpuTimes: number[] = [];
let exitCode: number | null = null;
let output = "";
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  // GNU time prints the child's peak RSS (KiB), user and system CPU seconds as the last stderr line.
  const result = gnuTime
    ? spawnSync("/usr/bin/time", ["-f", "%M %U %S", process.execPath, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 })
    : spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  times.push(performance.now() - started);
  exitCode = result.status;
  output = result.stdout;
  const [rss, user, system] = (result.stderr.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
  if (gnuTime && Number.isFinite(rss)) peakKiB = Math.max(peakKiB, rss!);
  if (gnuTime && Number.isFinite(user) && Number.isFinite(system)) cpuTimes.push((user! + system!) * 1000);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
let summary = "";
try {
  const report = JSON.parse(output) as { triggers: { id: string }[]; findings: unknown[]; conclusion: string };
  summary = `conclusion ${report.conclusion}, triggers [${report.triggers.map((t) => t.id).join(", ")}], ${report.findings.length} findings`;
} catch {
  summary = "no JSON output";
}
console.log(`archgate check on ${repo} @ ${commit} (${files} files changed vs ${base}): exit ${exitCode}, ${summary}`);
console.log(
  `wall time, start-up included: median ${median.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms over ${runs} runs (target < 1000 ms)`,
);
console.log(peakKiB > 0 ? `peak RSS: ${(peakKiB / 1024).toFixed(0)} MB` : "peak RSS: not measured (no /usr/bin/time)");
if (cpuTimes.length > 0) {
  cpuTimes.sort((a, b) => a - b);
  console.log(`CPU time (user + system): median ${cpuTimes[Math.floor(cpuTimes.length / 2)]!.toFixed(0)} ms, min ${cpuTimes[0]!.toFixed(0)} ms`);
}
console.log(
  `load average while measuring: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on this machine`,
);
