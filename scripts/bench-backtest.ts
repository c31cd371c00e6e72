/**
 * `npm run bench:backtest [-- --mirrors DIR] [--repo owner/name] [--last N]`: times `archgate backtest` over the
 * last N first-parent commits of a mirrored repository (default: saleor/saleor, 500 commits; target under two
 * minutes on the project's 2-core machine), in one process as a user runs it, and prints the summary.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { run } from "../src/cli.js";
import { renderHtml } from "../src/commands/backtest.js";
import { repositoryLocator, ROOT } from "./lib/mirrors.js";

const { values } = parseArgs({
  options: {
    mirrors: { type: "string", default: "/work/.mirror" },
    repo: { type: "string", default: "saleor/saleor" },
    last: { type: "string", default: "500" },
    html: { type: "string" },
  },
});
const dir = repositoryLocator(values.mirrors!)(values.repo!);
if (!dir) {
  console.error(`bench:backtest: no mirror of ${values.repo} under ${values.mirrors}`);
  process.exit(2);
}
let json = "";
const started = performance.now();
const code = await run(["backtest", "--repo", dir, "--all", "--last", values.last!, "--format", "json"], {
  stdout: (t) => (json += t),
  stderr: (t) => process.stderr.write(t),
  cwd: ROOT,
  progress: process.stderr.isTTY === true,
});
const seconds = (performance.now() - started) / 1000;
if (code !== 0) process.exit(code);
const s = JSON.parse(json);
const times = (s.entries as { ms: number }[]).map((e) => e.ms).sort((a, b) => a - b);
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
console.log(
  `${values.repo}: ${s.changes} first-parent commits (${s.from} to ${s.to}) in ${seconds.toFixed(1)} s wall, ${((seconds / Math.max(1, s.changes)) * 1000).toFixed(0)} ms/commit; per commit p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);
console.log(`conclusions ${JSON.stringify(s.conclusions)}; triggers ${JSON.stringify(s.triggers)}; review types ${JSON.stringify(s.reviewTypes)}`);
console.log(`rules ${JSON.stringify(s.rules)}; failed findings ${s.failed.length}; could not review ${s.errors.length}`);
if (values.html) {
  // The same run's summary as the self-contained HTML report.
  writeFileSync(join(ROOT, values.html), renderHtml(s));
  console.log(`HTML report: ${values.html}`);
}
