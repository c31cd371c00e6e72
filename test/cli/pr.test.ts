import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/cli.js";
import { parsePullRequestRef } from "../../src/commands/pr.js";
import { COMMENT_MARKER } from "../../src/render/markdown.js";
import { push, pullRequestPayload, seedRepo, startTestApp, TestOctokit, type Repo, type TestApp } from "../github/harness.js";

const MIGRATIONS = "services/orders/src/main/resources/db/migration";

/** A Spring orders service whose PR adds a Flyway migration dropping a table that running code still reads. */
function ordersPull(app: TestApp): Repo {
  return seedRepo(app.fake, {
    base: { [`${MIGRATIONS}/V1__init.sql`]: "CREATE TABLE legacy_orders (id bigint primary key);\nCREATE TABLE orders (id bigint primary key);\n" },
    head: { [`${MIGRATIONS}/V2__drop_legacy.sql`]: "-- migrated in 2024\nDROP TABLE legacy_orders;\n" },
    pull: { title: "Drop the legacy orders table" },
  });
}

async function pr(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(["pr", ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: "/",
    env: { GITHUB_TOKEN: "ghs_someone" },
    Octokit: TestOctokit,
  });
  return { code, stdout, stderr };
}

describe("archgate pr", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  it("prints the conclusion and findings the App wrote for the same PR, and writes nothing", async () => {
    const repo = ordersPull(app);
    await app.receive("pull_request", pullRequestPayload(app.fake, "opened", repo.pull));
    const appRun = app.fake.checkRuns.at(-1)!;
    expect(appRun.conclusion).toBe("failure");
    const appIds = appRun.annotations.map((a: { title: string }) => a.title.split(" ")[0]);
    expect(appIds).toHaveLength(1);
    const writes = app.fake.writes().length;

    const json = await pr(["acme/shop#7", "--api-url", `${app.server.baseUrl}/api/v3`, "--format", "json"]);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.conclusion).toBe("failure");
    expect(report.head).toBe(repo.head);
    expect(report.findings.map((f: { id: string }) => f.id)).toEqual(appIds);
    expect(report.findings.map((f: { rule: string; file: string; line: number }) => `${f.rule} ${f.file}:${f.line}`)).toEqual([
      `destructive-migration ${MIGRATIONS}/V2__drop_legacy.sql:2`,
    ]);
    expect(app.fake.writes()).toHaveLength(writes);

    // The markdown is the App's comment, line for line (bar the check-run link the App adds).
    const markdown = await pr([`https://github.com/acme/shop/pull/7`, "--api-url", app.server.baseUrl]);
    expect(markdown.code).toBe(1);
    const strip = (body: string) =>
      body
        .replace(/\[[^\]]*\]\(https:\/\/github\.com\/acme\/shop\/runs\/\d+\)/g, "")
        .split("\n")
        .filter((l) => !/runs\/\d+/.test(l));
    expect(strip(markdown.stdout.trimEnd())).toEqual(strip(app.fake.comments[0]!.body.trimEnd()));
    expect(app.fake.writes()).toHaveLength(writes);
  });

  it("reads the PR's decisions as the App does: a maintainer's waiver turns the failure into success", async () => {
    const repo = ordersPull(app);
    app.fake.permissions.set("lead", "maintain");
    app.fake.addUserComment(repo.pull.number, "lead", "/archgate waive destructive-migration reason: contract step of the expand/contract plan");
    const json = await pr(["acme/shop#7", "--api-url", app.server.baseUrl, "--format", "json"]);
    expect(json.stderr).toBe("");
    const report = JSON.parse(json.stdout);
    expect(report.conclusion).toBe("success");
    expect(json.code).toBe(0);
    expect(
      report.findings.map((f: { rule: string; waived: boolean; waiver?: { by: string; reason: string } }) => [
        f.rule,
        f.waived,
        f.waiver?.by,
        f.waiver?.reason,
      ]),
    ).toEqual([["destructive-migration", true, "lead", "contract step of the expand/contract plan"]]);
  });

  it("--post publishes as the App would: the App's comment is edited after a push, a check run for the new head", async () => {
    const repo = ordersPull(app);
    await app.receive("pull_request", pullRequestPayload(app.fake, "opened", repo.pull));
    expect(app.fake.comments).toHaveLength(1);
    const commentId = app.fake.comments[0]!.id;

    // Same head: the same result, nothing rewritten.
    const again = await pr(["acme/shop#7", "--api-url", app.server.baseUrl, "--post", "--format", "json"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/posted to acme\/shop#7: check run \(unchanged\) failure ".*"; comment unchanged/);
    expect(app.fake.comments).toHaveLength(1);
    expect(app.fake.checkRuns).toHaveLength(1);

    push(repo, {
      [`${MIGRATIONS}/V2__drop_legacy.sql`]: "-- keep legacy_orders for the reports\nALTER TABLE legacy_orders ADD COLUMN archived boolean;\n",
    });
    const posted = await pr(["acme/shop#7", "--api-url", app.server.baseUrl, "--post", "--format", "json"]);
    expect(posted.code).toBe(0);
    expect(JSON.parse(posted.stdout).conclusion).toBe("success");
    expect(app.fake.comments).toHaveLength(1);
    expect(app.fake.comments[0]!.id).toBe(commentId);
    expect(app.fake.comments[0]!.body).toContain(COMMENT_MARKER);
    expect(app.fake.comments[0]!.body).toContain(repo.head);
    expect(app.fake.checkRuns.map((r) => [r.head_sha === repo.head, r.status, r.conclusion])).toEqual([
      [false, "completed", "failure"],
      [true, "completed", "success"],
    ]);
  });

  it("usage: a PR it cannot parse, no token, a PR that does not exist", async () => {
    expect((await pr(["acme/shop"])).stderr).toContain('"acme/shop" is not a pull request');
    let stderr = "";
    const code = await run(["pr", "acme/shop#7"], { stdout: () => undefined, stderr: (t) => (stderr += t), cwd: "/", env: {} });
    expect(code).toBe(2);
    expect(stderr).toContain("no token: pass --token or set GITHUB_TOKEN");
    const missing = await pr(["acme/shop#99", "--api-url", app.server.baseUrl]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^archgate: acme\/shop#99: GitHub API answered 404: .*\(no such pull request, or the token cannot read the repository\)\n$/,
    );
  });

  it("parses owner/repo#N, github.com URLs and GitHub Enterprise URLs", () => {
    expect(parsePullRequestRef("acme/shop#7")).toEqual({ owner: "acme", repo: "shop", number: 7 });
    expect(parsePullRequestRef("https://github.com/acme/shop/pull/12/files")).toEqual({ owner: "acme", repo: "shop", number: 12 });
    expect(parsePullRequestRef("https://git.acme.internal/platform/api/pull/3")).toEqual({
      owner: "platform",
      repo: "api",
      number: 3,
      apiUrl: "https://git.acme.internal/api/v3",
    });
    expect(parsePullRequestRef("https://github.com/acme/shop/issues/7")).toBeUndefined();
  });
});
