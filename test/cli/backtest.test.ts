import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../../src/cli.js";
import { isoWeek } from "../../src/commands/backtest.js";
import { TestRepo } from "./git-repo.js";

const MIGRATIONS = "services/orders/src/main/resources/db/migration";

/** git with fixed author and committer dates, so weeks are exact. */
function at(repo: TestRepo, date: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: repo.dir,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Dev",
      GIT_AUTHOR_EMAIL: "dev@example.com",
      GIT_COMMITTER_NAME: "Dev",
      GIT_COMMITTER_EMAIL: "dev@example.com",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_DATE: `${date}T10:00:00Z`,
      GIT_COMMITTER_DATE: `${date}T10:00:00Z`,
    },
  }).trim();
}

/** A PR: a branch off main with one commit, merged with a merge commit (GitHub's "Create a merge commit"). */
function mergePullRequest(repo: TestRepo, number: number, date: string, files: Record<string, string>, title: string): string {
  at(repo, date, "checkout", "-q", "-b", `pr-${number}`, "main");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(repo.dir, path, ".."), { recursive: true });
    writeFileSync(join(repo.dir, path), text);
  }
  at(repo, date, "add", "-A");
  at(repo, date, "commit", "-q", "-m", title);
  at(repo, date, "checkout", "-q", "main");
  at(repo, date, "merge", "-q", "--no-ff", "-m", `Merge pull request #${number} from acme/pr-${number}\n\n${title}`, `pr-${number}`);
  return at(repo, date, "rev-parse", "HEAD");
}

/** An orders service merged through four PRs over two weeks: a migration, a docs change, a dropped table, a committed password. */
function ordersHistory(): { repo: TestRepo; merges: string[] } {
  const repo = new TestRepo();
  writeFileSync(join(repo.dir, "README.md"), "# shop\n");
  mkdirSync(join(repo.dir, MIGRATIONS), { recursive: true });
  writeFileSync(
    join(repo.dir, MIGRATIONS, "V1__init.sql"),
    "CREATE TABLE orders (id bigint primary key);\nCREATE TABLE legacy_orders (id bigint primary key);\n",
  );
  at(repo, "2026-01-05", "add", "-A");
  at(repo, "2026-01-05", "commit", "-q", "-m", "orders service");
  const merges = [
    mergePullRequest(
      repo,
      1,
      "2026-01-06",
      { [`${MIGRATIONS}/V2__order_status.sql`]: "ALTER TABLE orders ADD COLUMN status text;\n" },
      "Order status",
    ),
    mergePullRequest(repo, 2, "2026-01-07", { "README.md": "# shop\n\nRun `make up`.\n" }, "Document make up"),
    mergePullRequest(
      repo,
      3,
      "2026-01-13",
      { [`${MIGRATIONS}/V3__drop_legacy.sql`]: "-- migrated\nDROP TABLE legacy_orders;\n" },
      "Drop legacy orders",
    ),
    mergePullRequest(
      repo,
      4,
      "2026-01-14",
      { "services/orders/src/main/resources/application.yml": 'spring:\n  datasource:\n    password: "Sup3rS3cretPassw0rd!x"\n' },
      "Datasource settings",
    ),
  ];
  return { repo, merges };
}

async function backtest(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(["backtest", ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: "/" });
  return { code, stdout, stderr };
}

describe("archgate backtest", () => {
  const repos: TestRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it("replays first-parent merges (the default when the history has merges): counts per trigger, review type, rule and week, and the failures", async () => {
    const { repo, merges } = ordersHistory();
    repos.push(repo);
    const { code, stdout, stderr } = await backtest(["--repo", repo.dir, "--format", "json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const s = JSON.parse(stdout);
    expect(s.mode).toBe("merges");
    expect(s.changes).toBe(4);
    expect(s.entries.map((e: { sha: string }) => e.sha)).toEqual(merges);
    expect(s.conclusions).toEqual({ success: 2, failure: 2 });
    expect(s.triggers).toEqual({ "schema-migration": 2 });
    expect(s.reviewTypes).toEqual({ data: 2 });
    expect(s.rules).toEqual({ "destructive-migration": { failed: 1, warned: 0 }, "plaintext-secret": { failed: 1, warned: 0 } });
    expect(s.failed.map((f: { sha: string; rule: string; where: string; subject: string }) => [f.sha, f.rule, f.where, f.subject])).toEqual([
      [merges[2]!.slice(0, 10), "destructive-migration", `${MIGRATIONS}/V3__drop_legacy.sql:2`, "Merge pull request #3 from acme/pr-3"],
      [merges[3]!.slice(0, 10), "plaintext-secret", "services/orders/src/main/resources/application.yml:3", "Merge pull request #4 from acme/pr-4"],
    ]);
    expect(s.weeks).toEqual([
      { week: "2026-W02", changes: 2, reviews: 1, failures: 0 },
      { week: "2026-W03", changes: 2, reviews: 1, failures: 2 },
    ]);
    expect(stdout).not.toContain("Sup3rS3cretPassw0rd");
  });

  it("--all reviews every first-parent commit; --last and --since narrow the range; a bare repository works", async () => {
    const { repo } = ordersHistory();
    repos.push(repo);
    const bare = repo.bareClone();
    const all = JSON.parse((await backtest(["--repo", bare, "--all", "--format", "json"])).stdout);
    expect(all.mode).toBe("all");
    expect(all.changes).toBe(4);
    const last = JSON.parse((await backtest(["--repo", bare, "--last", "2", "--format", "json"])).stdout);
    expect(last.entries.map((e: { subject: string }) => e.subject)).toEqual([
      "Merge pull request #3 from acme/pr-3",
      "Merge pull request #4 from acme/pr-4",
    ]);
    const since = JSON.parse((await backtest(["--repo", bare, "--since", "2026-01-10", "--format", "json"])).stdout);
    expect(since.changes).toBe(2);
  });

  it("text and HTML: the tables, and a self-contained page with an inline SVG chart of the weeks", async () => {
    const { repo } = ordersHistory();
    repos.push(repo);
    const text = (await backtest(["--repo", repo.dir])).stdout;
    expect(text).toContain("Would have passed 2 (50%), failed 2 (50%), not run 0 (0%).");
    expect(text).toMatch(/ {2}destructive-migration +1 +0\n/);
    expect(text).toMatch(/ {2}2026-W03 +2 +1 +2\n/);
    const out = join(repo.dir, "backtest.html");
    const html = await backtest(["--repo", repo.dir, "--format", "html", "--output", out]);
    expect(html.code).toBe(0);
    const page = readFileSync(out, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("<svg");
    expect(page.match(/<title>2026-W0[23]: \d+ would have failed<\/title>/g)).toHaveLength(2);
    // Self-contained: nothing is fetched when the page is opened.
    expect(page).not.toMatch(/<(script|link|img)\b|src=|@import|url\(/);
  });

  it("usage errors", async () => {
    expect((await backtest(["--merges", "--all"])).stderr).toContain("--merges and --all exclude each other");
    expect((await backtest(["--last", "zero"])).stderr).toContain('--last must be a positive number, not "zero"');
    expect((await backtest(["--repo", "/nonexistent-archgate"])).code).toBe(2);
  });

  it("ISO weeks", () => {
    expect(isoWeek(new Date("2026-01-01T12:00:00Z"))).toBe("2026-W01");
    expect(isoWeek(new Date("2027-01-01T12:00:00Z"))).toBe("2026-W53");
    expect(isoWeek(new Date("2026-01-13T12:00:00Z"))).toBe("2026-W03");
  });
});
