/**
 * `npm run demo`: builds a throwaway git repository from fixtures/demo (a base commit, then a change that adds a
 * payments service with its manifest, edits the orders OpenAPI contract and adds a Flyway migration), reviews the
 * change with the real `archgate check` command, and prints the PR comment and the conclusion.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const demo = join(root, "fixtures", "demo");
const repo = mkdtempSync(join(tmpdir(), "archgate-demo-"));

function git(...args: string[]): string {
  return execFileSync("git", args, {
    cwd: repo,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Demo",
      GIT_AUTHOR_EMAIL: "demo@example.com",
      GIT_COMMITTER_NAME: "Demo",
      GIT_COMMITTER_EMAIL: "demo@example.com",
      GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
      GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
    },
  }).trim();
}

function replaceTree(from: string): void {
  for (const entry of readdirSync(repo)) if (entry !== ".git") rmSync(join(repo, entry), { recursive: true, force: true });
  cpSync(from, repo, { recursive: true });
}

try {
  git("init", "-q", "-b", "main");
  replaceTree(join(demo, "base"));
  git("add", "-A");
  git("commit", "-q", "-m", "orders service");
  replaceTree(join(demo, "head"));
  git("add", "-A");
  git("commit", "-q", "-m", "Add payments service, refunds API and drop legacy_status");

  console.log(`Demo repository: ${repo}`);
  console.log(`Change under review: ${git("log", "--oneline", "-1")}\n`);
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", join(root, "src", "cli.ts"), "check", "--repo", repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown"],
    { cwd: root, encoding: "utf8" },
  );
  process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  const conclusion =
    result.status === 0 ? "success" : result.status === 1 ? "failure (a hard constraint is violated)" : "error (the review could not run)";
  console.log(`\nConclusion: ${conclusion} — archgate exited with ${result.status}.`);
  // The demo shows a failing gate on purpose; it only fails itself when the review could not run.
  process.exitCode = result.status === 2 || result.status === null ? 2 : 0;
} finally {
  rmSync(repo, { recursive: true, force: true });
}
