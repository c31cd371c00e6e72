/**
 * `npm run bench`: speed and memory figures (a script, never a timed test).
 *  1. engine time for a synthetic 3,000-file change with every rule on (target < 300 ms; issue 5: < 1 s);
 *  2. CLI wall time, start-up included, on a real ~300-file commit (target < 1 s): by default the commit of this
 *     repository's own history whose size is closest to 300 files; or `-- --repo DIR --commit SHA`;
 *  3. peak memory (RSS) of this process and of the CLI runs.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { changeFromTrees } from "../src/engine/memory-change.js";
import { RULES, TRIGGERS, defaultConfig, reviewChange } from "../src/builtins.js";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { repo: { type: "string" }, commit: { type: "string" }, runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function syntheticTrees(): { base: Record<string, string>; head: Record<string, string> } {
  const base: Record<string, string> = {};
  const head: Record<string, string> = {};
  for (let i = 0; i < 1500; i++) {
    const path = `services/svc${i % 30}/src/module${i}.ts`;
    base[path] = `export function f${i}(x: number) {\n  return x + ${i};\n}\n`;
    head[path] =
      `import { client } from "../lib/http";\n${base[path]}export async function g${i}() {\n  const res = await fetch("https://svc${i}.internal/api", { method: "POST" });\n  logger.info("done", { id: ${i} });\n  return res.json();\n}\n`;
  }
  for (let i = 0; i < 600; i++) {
    head[`services/svc${i % 30}/src/new${i}.py`] =
      `import requests\n\n\ndef call_${i}():\n    return requests.get("https://example.com/${i}", timeout=5)\n`;
  }
  for (let i = 0; i < 300; i++) {
    const manifest = (n: string, limits: boolean) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${n}\n  labels:\n    team: t${i % 7}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${n}\n          image: ghcr.io/acme/${n}:1\n${limits ? "          resources:\n            limits: {cpu: 500m, memory: 256Mi}\n            requests: {cpu: 100m, memory: 128Mi}\n" : ""}`;
    base[`deploy/k8s/app${i}.yaml`] = manifest(`app${i}`, true);
    head[`deploy/k8s/app${i}.yaml`] = manifest(`app${i}`, i % 2 === 0);
  }
  for (let i = 0; i < 200; i++) {
    head[`services/svc${i % 30}/db/migration/V${i + 2}__change_${i}.sql`] =
      `ALTER TABLE t${i} ADD COLUMN c${i} text;\nCREATE INDEX idx_${i} ON t${i} (c${i});\n`;
  }
  for (let i = 0; i < 100; i++) {
    const spec = (extra: string) =>
      `openapi: 3.0.3\ninfo:\n  title: API ${i}\n  version: 1.0.0\npaths:\n  /v1/items${i}:\n    get:\n      responses:\n        "200":\n          description: ok\n${extra}`;
    base[`api/spec${i}.yaml`] = spec("");
    head[`api/spec${i}.yaml`] = spec(
      `  /v1/items${i}/{id}:\n    post:\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema: {type: string}\n      responses:\n        "201":\n          description: created\n`,
    );
  }
  for (let i = 0; i < 300; i++) head[`docs/page${i}.md`] = `# Page ${i}\n\nSome text.\n`;
  return { base, head };
}

async function timeReview(change: ReturnType<typeof changeFromTrees>, config: ReturnType<typeof defaultConfig>, rules?: []) {
  const times: number[] = [];
  let report: Awaited<ReturnType<typeof reviewChange>> | undefined;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    report = await reviewChange(change, config, rules ? { rules } : {});
    times.push(performance.now() - started);
  }
  return { times, report: report! };
}

function describeTimes(label: string, times: number[], target: string) {
  console.log(
    `${label}: median ${median(times).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms over ${runs} runs (target ${target})`,
  );
}

async function engineBench() {
  const { base, head } = syntheticTrees();
  const change = changeFromTrees(base, head);
  const config = defaultConfig();
  // Rules that are quiet without configuration are switched on, so every rule does its work.
  for (const rule of RULES) {
    const setting = config.rules[rule.meta.id]!;
    if (setting.severity === "off") config.rules[rule.meta.id] = { ...setting, severity: "warning" };
  }
  console.log(`engine: synthetic change of ${change.files.length} files, ${TRIGGERS.length} triggers, ${RULES.length} rules`);
  await reviewChange(change, config); // warm-up: module loading and JIT are start-up, measured by the CLI figure
  const plan = await timeReview(change, config, []);
  describeTimes("engine, triggers and review plan", plan.times, "< 300 ms");
  const all = await timeReview(change, config);
  describeTimes("engine, triggers, plan and all rules", all.times, "< 1000 ms");
  console.log(`engine: ${all.report.triggers.length} triggers fired, ${all.report.findings.length} findings, conclusion ${all.report.conclusion}`);
  console.log(`engine: peak RSS of this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

function pickCommit(repo: string): string | undefined {
  const out = execFileSync("git", ["-C", repo, "log", "--format=%H", "--shortstat", "--no-merges", "-n", "2000"], { encoding: "utf8" });
  let best: { sha: string; files: number } | undefined;
  let sha = "";
  for (const line of out.split("\n")) {
    if (/^[0-9a-f]{40}$/.test(line)) sha = line;
    const m = /(\d+) files? changed/.exec(line);
    if (m && sha) {
      const files = Number(m[1]);
      if (!best || Math.abs(files - 300) < Math.abs(best.files - 300)) best = { sha, files };
    }
  }
  return best?.sha;
}

function cliBench() {
  const cli = join(root, "dist", "cli.js");
  if (!existsSync(cli)) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  const repo = values.repo ?? root;
  const commit = values.commit ?? pickCommit(repo);
  if (!commit) {
    console.log("cli: no commit to measure");
    return;
  }
  const files = execFileSync("git", ["-C", repo, "diff", "--name-only", `${commit}~1`, commit], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean).length;
  const hasTime = existsSync("/usr/bin/time");
  const times: number[] = [];
  let maxRss = 0;
  let status: number | null = null;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const args = [cli, "check", "--repo", repo, "--base", `${commit}~1`, "--head", commit, "--format", "json"];
    // GNU time reports the child's peak RSS (KiB); without it only wall time is measured.
    const result = hasTime
      ? spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, ...args], { encoding: "utf8" })
      : spawnSync(process.execPath, args, { encoding: "utf8" });
    times.push(performance.now() - started);
    status = result.status;
    const rss = Number(result.stderr.trim().split("\n").at(-1));
    if (Number.isFinite(rss)) maxRss = Math.max(maxRss, rss);
  }
  console.log(`cli: ${repo === root ? "this repository" : repo} @ ${commit.slice(0, 12)} (${files} files changed), exit ${status}`);
  console.log(
    `cli: median wall ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms over ${runs} runs, start-up included (target < 1000 ms)`,
  );
  if (maxRss > 0) console.log(`cli: peak RSS ${(maxRss / 1024).toFixed(0)} MB`);
}

await engineBench();
cliBench();
