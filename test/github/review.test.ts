import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { reviewPullRequest } from "../../src/github/review.js";
import { targetFromPullRequest } from "../../src/github/app.js";
import { withRequestTimeout } from "../../src/github/octokit.js";
import { APP, FakeGitHub } from "./fake-github.js";
import {
  FULL_NAME,
  OWNER,
  REPO,
  checkRunRerequestedPayload,
  checkSuiteRerequestedPayload,
  configYaml,
  forbiddenRule,
  isolatedConfig,
  pullRequestPayload,
  push,
  seedRepo,
  specRule,
  startTestApp,
  type Repo,
  type TestApp,
} from "./harness.js";

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp(new FakeGitHub());
});
afterEach(async () => t.close());

const sha = (repo: Repo) => repo.pull.head;
const comment = () => t.fake.comments.filter((c) => c.user.login === "archgate[bot]");
const lastRun = () => t.fake.checkRuns.at(-1)!;

/** Calls the plain function (no Probot) with test-only rules, like the unit tests of a library. */
function direct(repo: Repo, options: { rules?: any[]; triggers?: any[]; timeoutMs?: number; force?: boolean } = {}) {
  const octokit = options.timeoutMs ? withRequestTimeout(t.octokit, options.timeoutMs) : t.octokit;
  return reviewPullRequest(octokit, targetFromPullRequest(OWNER, REPO, t.fake.pullJson(FULL_NAME, repo.pull)), {
    identity: async () => APP,
    engine: { rules: options.rules ?? [], triggers: options.triggers ?? [] },
    ...(options.force ? { force: true } : {}),
  });
}

describe("the fake keeps each repository's comments apart", () => {
  test("PR #7 of acme/shop and PR #7 of acme/api: each gets its own comment, and a push to one updates only that one", async () => {
    const shop = seedRepo(t.fake, { base: { "README.md": "hi\n" }, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    const apiBase = t.fake.addCommit("a".repeat(40), { ".github/archgate.yml": configYaml(isolatedConfig()), "README.md": "api\n" });
    const apiHead = t.fake.addCommit("b".repeat(40), {
      ".github/archgate.yml": configYaml(isolatedConfig()),
      "README.md": "api\n",
      "src/payments/refund.ts": "export {};\n",
    });
    t.fake.setDefaultBranch("acme/api", apiBase);
    const api = t.fake.addPull("acme/api", { number: 7, base: apiBase, head: apiHead });
    const review = (repo: string, pull: typeof api) =>
      reviewPullRequest(t.octokit, targetFromPullRequest(OWNER, repo, t.fake.pullJson(`acme/${repo}`, pull)), {
        identity: async () => APP,
        engine: { rules: [], triggers: [] },
      });
    await review("shop", shop.pull);
    await review("api", api);
    expect(comment().map((c) => [c.repository, c.issue_number])).toEqual([
      ["acme/shop", 7],
      ["acme/api", 7],
    ]);
    const [shopComment, apiComment] = comment().map((c) => c.body);
    push(shop, { "src/payments/charge.ts": "export const x = 1;\n" });
    await review("shop", shop.pull);
    expect(
      t.fake
        .writes()
        .filter((w) => w.path.includes("/issues/comments/"))
        .map((w) => `${w.method} ${w.path}`),
    ).toEqual([`PATCH /repos/acme/shop/issues/comments/${comment()[0]!.id}`]);
    expect(comment()[1]!.body).toBe(apiComment);
    expect(comment()[0]!.body).not.toBe(shopComment);
  });
});

describe("pull_request events", () => {
  test("opened: one comment, one label, then the check run, created once and completed (the review ended within the start delay)", async () => {
    const repo = seedRepo(t.fake, { base: { "README.md": "hi\n" }, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(t.fake.calls()).toEqual([
      `GET /repos/acme/shop/commits/${sha(repo)}/check-runs`,
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/shop/pulls/7/files",
      "GET /repos/acme/shop/issues/7/comments",
      "GET /repos/acme/shop/pulls/7",
      "POST /repos/acme/shop/issues/7/comments",
      "POST /repos/acme/shop/labels",
      "POST /repos/acme/shop/issues/7/labels",
      "POST /repos/acme/shop/check-runs",
    ]);
    const create = t.fake.requests.find((r) => r.method === "POST" && r.path.endsWith("/check-runs"))!;
    expect(create.body).toMatchObject({
      name: "Architecture review",
      head_sha: sha(repo),
      status: "completed",
      conclusion: "success",
      external_id: "7",
      output: { title: "No hard constraint violated · Architecture decision record required" },
    });
    expect(lastRun()).toMatchObject({ status: "completed", conclusion: "success", external_id: "7" });
    expect(comment()).toHaveLength(1);
    expect(comment()[0]!.body).toContain(`<!-- archgate:comment head=${sha(repo)} -->`);
    expect(comment()[0]!.body).toContain("⏳ **Architecture decision record** awaited");
    expect(repo.pull.labels).toEqual(["arch-review: adr"]);
    expect(t.fake.requests.find((r) => r.path === "/repos/acme/shop/labels")!.body).toEqual({
      name: "arch-review: adr",
      color: "5319e7",
      description: "Architecture decision record required (archgate)",
    });
  });

  test("the same delivery twice writes nothing the second time", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    const payload = pullRequestPayload(t.fake, "opened", repo.pull);
    await t.receive("pull_request", payload);
    t.fake.reset();
    await t.receive("pull_request", payload);
    expect(t.fake.writes()).toEqual([]);
    // The redelivered payload still lists the PR without our label, so the PR is re-read once; nothing is written.
    expect(t.fake.calls()).toEqual([
      `GET /repos/acme/shop/commits/${sha(repo)}/check-runs`,
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/shop/pulls/7/files",
      "GET /repos/acme/shop/issues/7/comments",
      "GET /repos/acme/shop/pulls/7",
    ]);
    t.fake.reset();
    await t.receive("pull_request", pullRequestPayload(t.fake, "edited", repo.pull));
    expect(t.fake.calls()).toEqual([
      `GET /repos/acme/shop/commits/${sha(repo)}/check-runs`,
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/shop/pulls/7/files",
      "GET /repos/acme/shop/issues/7/comments",
    ]);
    expect(t.fake.checkRuns).toHaveLength(1);
    expect(comment()).toHaveLength(1);
  });

  test("a PR that never hits a trigger gets a passing check and no comment, no label", async () => {
    const repo = seedRepo(t.fake, { base: { "README.md": "a\n" }, head: { "README.md": "b\n" }, config: isolatedConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(t.fake.comments).toEqual([]);
    expect(repo.pull.labels).toEqual([]);
    expect(lastRun()).toMatchObject({ conclusion: "success", output: { title: "No hard constraint violated" } });
  });

  test("a push that removes every trigger: the comment says no review is required any more and the label goes", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const first = comment()[0]!.id;
    push(repo, { "src/payments/charge.ts": "\0DELETE", "docs/notes.md": "moved\n" });
    await t.receive("pull_request", pullRequestPayload(t.fake, "synchronize", repo.pull));
    expect(comment()).toHaveLength(1);
    expect(comment()[0]!.id).toBe(first);
    expect(comment()[0]!.body).toContain("No architecture review is required any more");
    expect(comment()[0]!.body).toContain(`head=${sha(repo)}`);
    expect(repo.pull.labels).toEqual([]);
    expect(t.fake.calls()).toContain(`DELETE /repos/acme/shop/issues/7/labels/arch-review: adr`);
  });

  test("ticked checklist items stay ticked when a push updates the comment", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const sticky = comment()[0]!;
    sticky.body = sticky.body.replace("- [ ] Every outbound call has a timeout", "- [x] Every outbound call has a timeout");
    push(repo, { "src/payments/refund.ts": "export {};\n" });
    await t.receive("pull_request", pullRequestPayload(t.fake, "synchronize", repo.pull));
    const update = t.fake.requests.filter((r) => r.method === "PATCH" && r.path.startsWith("/repos/acme/shop/issues/comments/"));
    expect(update).toHaveLength(1);
    expect(update[0]!.body.body).toContain("- [x] Every outbound call has a timeout");
    expect(update[0]!.body.body).toContain("- [ ] Retries happen at one layer only");
    expect(update[0]!.body.body).toContain("`src/payments/refund.ts`");
  });

  test("a comment carrying the marker but written by someone else is not the sticky comment", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    t.fake.addComment(7, "<!-- archgate:comment head=abc1234 -->\ncopied", "user");
    t.fake.addComment(7, "<!-- archgate:comment head=abc1234 -->\nother bot", { login: "other[bot]", type: "Bot", app: { id: 999, slug: "other" } });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(t.fake.comments.map((c) => c.user.login)).toEqual(["alice", "other[bot]", "archgate[bot]"]);
    expect(t.fake.comments[0]!.body).toBe("<!-- archgate:comment head=abc1234 -->\ncopied");
  });

  test("a draft PR is reviewed and the comment says it is a draft", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig(), pull: { draft: true } });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(comment()[0]!.body).toContain("This pull request is a draft");
    repo.pull.draft = false;
    await t.receive("pull_request", pullRequestPayload(t.fake, "ready_for_review", repo.pull));
    expect(comment()[0]!.body).not.toContain("This pull request is a draft");
  });

  test("base contents come from the merge base: what the base branch gained since is not read as removed by the PR", async () => {
    const spec = (ops: string[]) =>
      [
        "openapi: 3.0.3",
        "info: { title: Shop, version: 1.0.0 }",
        "paths:",
        ...ops.flatMap((op) => [`  /${op}:`, "    get:", `      operationId: ${op}`, "      responses:", "        '200': { description: ok }"]),
        "",
      ].join("\n");
    const branchPoint = t.fake.addCommit("1".repeat(40), { "api/openapi.yaml": spec(["orders"]) });
    const mainNow = t.fake.addCommit("2".repeat(40), { "api/openapi.yaml": spec(["orders", "refunds"]) });
    const head = t.fake.addCommit("3".repeat(40), { "api/openapi.yaml": spec(["orders", "invoices"]) });
    t.fake.setDefaultBranch(FULL_NAME, mainNow);
    t.fake.mergeBases.set(`${mainNow}...${head}`, branchPoint);
    const pull = t.fake.addPull(FULL_NAME, { number: 7, base: mainNow, head });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", pull));
    // Against the base tip, /refunds would look removed: a breaking change the PR never made.
    expect(lastRun().conclusion).toBe("success");
    expect(t.fake.requests.find((r) => r.path.endsWith("/graphql"))!.body.variables).toMatchObject({ e1: `${branchPoint}:api/openapi.yaml` });
  });

  test("two events for the same PR at once: reviewed one after the other, so one sticky comment", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: isolatedConfig() });
    await Promise.all([
      t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull)),
      t.receive("pull_request", pullRequestPayload(t.fake, "edited", repo.pull)),
      t.receive("pull_request", pullRequestPayload(t.fake, "ready_for_review", repo.pull)),
    ]);
    expect(comment()).toHaveLength(1);
    expect(t.fake.checkRuns.filter((r) => r.head_sha === sha(repo))).toHaveLength(1);
    expect(repo.pull.labels).toEqual(["arch-review: adr"]);
  });

  test("an evaluation of an older head does not overwrite the newer head's comment or labels", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    const stalePayload = pullRequestPayload(t.fake, "opened", repo.pull);
    const oldHead = sha(repo);
    push(repo, { "api/openapi.yaml": "openapi: 3.0.0\n" });
    await t.receive("pull_request", pullRequestPayload(t.fake, "synchronize", repo.pull));
    const newerBody = comment()[0]!.body;
    const labels = [...repo.pull.labels];
    t.fake.reset();
    await t.receive("pull_request", stalePayload);
    expect(t.fake.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["POST /repos/acme/shop/check-runs"]);
    expect(comment()[0]!.body).toBe(newerBody);
    expect(repo.pull.labels).toEqual(labels);
    expect(lastRun()).toMatchObject({ head_sha: oldHead, status: "completed", conclusion: "success" });
    expect(lastRun().output.summary).toContain("A newer commit was pushed meanwhile");
  });

  test("a run left in progress by a process that died is taken over and completed", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    const started = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    t.fake.checkRuns.push({
      id: 1,
      name: "Architecture review",
      head_sha: sha(repo),
      status: "in_progress",
      conclusion: null,
      external_id: "7",
      output: {},
      annotations: [],
      app: APP,
      started_at: started(30),
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(t.fake.checkRuns.map((r) => [r.id, r.status, r.conclusion])).toEqual([[1, "completed", "success"]]);

    // One that started a minute ago is taken over too: reviews of one PR never overlap in a process, so
    // nothing else is going to complete it (before, it stayed in progress for good).
    t.fake.checkRuns.push({
      id: 2,
      name: "Architecture review",
      head_sha: sha(repo),
      status: "in_progress",
      conclusion: null,
      external_id: "7",
      output: {},
      annotations: [],
      app: APP,
      started_at: started(1),
    });
    push(repo, {});
    repo.pull.head = t.fake.checkRuns[1]!.head_sha = sha(repo);
    await t.receive("pull_request", pullRequestPayload(t.fake, "synchronize", repo.pull));
    expect(t.fake.checkRuns.map((r) => [r.id, r.status, r.conclusion])).toEqual([
      [1, "completed", "success"],
      [2, "completed", "success"],
    ]);
  });

  test("closed PRs are left alone on edits", async () => {
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "src/payments/charge.ts": "export {};\n" },
      config: isolatedConfig(),
      pull: { state: "closed" },
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "edited", repo.pull));
    expect(t.fake.calls({ all: true })).toEqual([]);
  });
});

describe("check_run.rerequested", () => {
  /** A re-run: the PR read again, a new check run for the head, evaluated and completed. */
  const rerun = [
    [
      "check_run.rerequested finds the PR through external_id and creates a new completed check run",
      (head: string) => t.receive("check_run", checkRunRerequestedPayload(lastRun().id, head, 7)),
    ],
    [
      "check_suite.rerequested re-reviews the PRs the suite lists into new check runs",
      (head: string) => t.receive("check_suite", checkSuiteRerequestedPayload(head, [7])),
    ],
  ] as const;
  test.each(rerun)("%s", async (_name, rerequest) => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const first = lastRun().id;
    t.fake.reset();
    await rerequest(sha(repo));
    expect(t.fake.calls()).toEqual([
      "GET /repos/acme/shop/pulls/7",
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/shop/pulls/7/files",
      "GET /repos/acme/shop/issues/7/comments",
      "POST /repos/acme/shop/check-runs",
    ]);
    expect(lastRun().id).not.toBe(first);
    expect(lastRun()).toMatchObject({ head_sha: sha(repo), status: "completed", conclusion: "success", external_id: "7" });
  });

  test("check_suite.rerequested of a fork PR (no PR listed): the PR number comes from our earlier check run", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config: isolatedConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    t.fake.reset();
    await t.receive("check_suite", checkSuiteRerequestedPayload(sha(repo), []));
    expect(t.fake.calls().slice(0, 3)).toEqual([
      `GET /repos/acme/shop/commits/${sha(repo)}/check-runs`,
      "GET /repos/acme/shop/pulls/7",
      "GET /repos/acme/shop/contents/.github/archgate.yml",
    ]);
    expect(t.fake.calls().at(-1)).toBe("POST /repos/acme/shop/check-runs");
    expect(t.fake.checkRuns.filter((r) => r.head_sha === sha(repo)).map((r) => [r.status, r.external_id])).toEqual([
      ["completed", "7"],
      ["completed", "7"],
    ]);
  });

  test("check_suite.rerequested for a commit archgate never reviewed does nothing more", async () => {
    seedRepo(t.fake, { base: {}, head: {}, config: isolatedConfig() });
    await t.receive("check_suite", checkSuiteRerequestedPayload("a".repeat(40), []));
    expect(t.fake.calls()).toEqual([`GET /repos/acme/shop/commits/${"a".repeat(40)}/check-runs`]);
  });

  test("ignores check runs without a PR number", async () => {
    seedRepo(t.fake, { base: {}, head: {}, config: isolatedConfig() });
    await t.receive("check_run", checkRunRerequestedPayload(1, "a".repeat(40), ""));
    expect(t.fake.calls()).toEqual([]);
  });
});

describe("config", () => {
  test("an invalid config fails the check as a configuration error with an annotation at its line", async () => {
    const config = "rules:\n  destructive-migration: error\ntrigers:\n  disabled: []\n";
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "export {};\n" }, config });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(lastRun()).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Configuration error: .github/archgate.yml is invalid" },
    });
    expect(lastRun().output.summary).toContain('`.github/archgate.yml:3:1` `trigers`: unknown key "trigers" (did you mean "triggers"?)');
    expect(lastRun().annotations).toEqual([
      {
        path: ".github/archgate.yml",
        start_line: 3,
        end_line: 3,
        annotation_level: "failure",
        title: "Invalid archgate configuration",
        message: 'trigers: unknown key "trigers" (did you mean "triggers"?)',
      },
    ]);
    expect(t.fake.comments).toEqual([]);
  });

  test("broken YAML in the config is located by line", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: "labels:\n  enabled: true\n  prefix: [unclosed\n" });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(lastRun()).toMatchObject({ conclusion: "failure", output: { title: "Configuration error: .github/archgate.yml is invalid" } });
    expect(lastRun().annotations).toHaveLength(1);
    expect(lastRun().annotations[0]).toMatchObject({ path: ".github/archgate.yml", annotation_level: "failure" });
    expect(lastRun().annotations[0].start_line).toBeGreaterThanOrEqual(3);
    expect(lastRun().annotations[0].message).toContain("invalid YAML");
  });

  test("an invalid org-level config names the org file and annotates nothing in this repository", async () => {
    const shared = t.fake.addCommit("e".repeat(40), { ".github/archgate.yml": "labels:\n  enabeld: true\n" });
    t.fake.setDefaultBranch("acme/.github", shared);
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" } });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(lastRun()).toMatchObject({
      conclusion: "failure",
      output: { title: "Configuration error: acme/.github:.github/archgate.yml is invalid" },
    });
    expect(lastRun().output.summary).toContain(
      '`acme/.github:.github/archgate.yml:2:3` `labels.enabeld`: unknown key "enabeld" (did you mean "enabled"?)',
    );
    expect(lastRun().annotations).toEqual([]);
  });

  test("an error in a file the repo's config extends is located in that file; only the repo's own issues are annotated", async () => {
    const policies = t.fake.addCommit("d".repeat(40), { "archgate/base.yml": "labels:\n  prefx: review/\n" });
    t.fake.setDefaultBranch("acme/policies", policies);
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "src/payments/charge.ts": "x\n" },
      config: "_extends: policies:archgate/base.yml\nignorePath: [vendor/**]\n",
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(lastRun().output.summary).toContain('- `.github/archgate.yml:2:1` `ignorePath`: unknown key "ignorePath" (did you mean "ignorePaths"?)');
    expect(lastRun().output.summary).toContain(
      '- `acme/policies:archgate/base.yml:2:3` `labels.prefx`: unknown key "prefx" (did you mean "prefix"?)',
    );
    expect(lastRun().annotations.map((a) => [a.path, a.start_line, a.message])).toEqual([
      [".github/archgate.yml", 2, 'ignorePath: unknown key "ignorePath" (did you mean "ignorePaths"?)'],
    ]);
  });

  test("the org .github repository and _extends are followed; lists replace rather than concatenate", async () => {
    const org = isolatedConfig({ labels: { prefix: "review/" }, ignorePaths: ["vendor/**"] });
    const shared = t.fake.addCommit("c".repeat(40), { ".github/archgate.yml": configYaml({ ...org, _extends: "policies:archgate/base.yml" }) });
    t.fake.setDefaultBranch("acme/.github", shared);
    const policies = t.fake.addCommit("d".repeat(40), {
      "archgate/base.yml": configYaml({ ignorePaths: ["generated/**"], labels: { enabled: true } }),
    });
    t.fake.setDefaultBranch("acme/policies", policies);
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n", "vendor/x.ts": "y\n" } });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(t.fake.calls().slice(1, 4)).toEqual([
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/.github/contents/.github/archgate.yml",
      "GET /repos/acme/policies/contents/archgate/base.yml",
    ]);
    expect(repo.pull.labels).toEqual(["review/adr"]);
  });

  test("a PR that edits the config is gated by the default branch's config and previews the new one", async () => {
    const next = isolatedConfig({ triggers: { custom: [{ id: "docs", title: "Docs", reviewType: "adr", paths: ["docs/**"] }] } });
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "src/payments/charge.ts": "x\n", "docs/a.md": "a\n", ".github/archgate.yml": configYaml(next) },
      config: isolatedConfig(),
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const body = comment()[0]!.body;
    expect(body).toContain("### Config change preview");
    expect(body).toContain("- triggers added: `docs`");
    expect(body).toContain("- triggers no longer hit: `payments`");
    expect(lastRun().conclusion).toBe("success");
  });

  test("the preview follows the proposed config's _extends (the extended file read from its default branch)", async () => {
    const policies = t.fake.addCommit("d".repeat(40), {
      "archgate/base.yml": configYaml({ labels: { prefix: "review/" }, rules: { "breaking-api-change": { severity: "off" } } }),
    });
    t.fake.setDefaultBranch("acme/policies", policies);
    const repo = seedRepo(t.fake, {
      base: {},
      head: {
        "src/payments/charge.ts": "x\n",
        ".github/archgate.yml": configYaml({
          ...isolatedConfig(),
          _extends: "policies:archgate/base.yml",
          triggers: { custom: [{ id: "docs", title: "Docs", reviewType: "adr", paths: ["docs/**"] }] },
        }),
        "docs/a.md": "a\n",
      },
      config: isolatedConfig(),
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const body = comment()[0]!.body;
    expect(body).toContain("with the PR's config (`acme/shop:.github/archgate.yml` → `acme/policies:archgate/base.yml`) it would change as follows:");
    expect(body).toContain("- triggers added: `docs`");
    expect(t.fake.calls()).toContain("GET /repos/acme/policies/contents/archgate/base.yml");
  });

  test("an invalid file the proposed config extends is reported in the preview with its own name and line", async () => {
    const policies = t.fake.addCommit("d".repeat(40), { "archgate/base.yml": "labels:\n  prefx: review/\n" });
    t.fake.setDefaultBranch("acme/policies", policies);
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "src/payments/charge.ts": "x\n", ".github/archgate.yml": configYaml({ ...isolatedConfig(), _extends: "policies:archgate/base.yml" }) },
      config: isolatedConfig(),
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const body = comment()[0]!.body;
    expect(body).toContain("❌ The new `.github/archgate.yml` is invalid");
    expect(body).toContain('- `acme/policies:archgate/base.yml:2:3` `labels.prefx`: unknown key "prefx" (did you mean "prefix"?)');
    expect(lastRun().conclusion).toBe("success");
  });

  test("a PR that breaks the config gets its errors in the preview, not a failed gate", async () => {
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "src/payments/charge.ts": "x\n", ".github/archgate.yml": "labels:\n  enabled: maybe\n" },
      config: isolatedConfig(),
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const body = comment()[0]!.body;
    expect(body).toContain("❌ The new `.github/archgate.yml` is invalid");
    expect(body).toContain("`.github/archgate.yml:2:12` `labels.enabled`");
    expect(lastRun().conclusion).toBe("success");
  });
});

describe("labels", () => {
  test("configured names, one per review type; a label that exists already is reused", async () => {
    t.fake.repoLabels.set(FULL_NAME, new Set(["contract review"]));
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "src/payments/charge.ts": "x\n", "api/openapi.yaml": "openapi: 3.0.0\n" },
      config: isolatedConfig({ labels: { names: { contract: "contract review" } } }),
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(repo.pull.labels).toEqual(["contract review", "arch-review: adr"]);
  });

  test("a label this process created once is not created again for the next pull request", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: isolatedConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const second = t.fake.addPull(FULL_NAME, { number: 8, base: repo.base, head: repo.head });
    t.fake.reset();
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", second));
    expect(second.labels).toEqual(["arch-review: adr"]);
    expect(t.fake.calls().filter((c) => c.includes("labels"))).toEqual(["POST /repos/acme/shop/issues/8/labels"]);
  });

  test("labels: { enabled: false } leaves labels alone, including ours", async () => {
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "src/payments/charge.ts": "x\n" },
      config: isolatedConfig({ labels: { enabled: false } }),
      pull: { labels: ["arch-review: data"] },
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(repo.pull.labels).toEqual(["arch-review: data"]);
    expect(t.fake.calls().filter((c) => c.includes("labels"))).toEqual([]);
  });

  test("labels archgate does not manage are never removed", async () => {
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "README.md": "x\n" },
      config: isolatedConfig(),
      pull: { labels: ["bug", "arch-review: data"] },
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(repo.pull.labels).toEqual(["bug"]);
  });
});

describe("check run output", () => {
  test("120 findings: annotations go 50 per request, the last batch with the conclusion", async () => {
    const lines = Array.from({ length: 120 }, (_, i) => `const v${i} = "FORBIDDEN";`).join("\n") + "\n";
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": lines }, config: isolatedConfig() });
    const outcome = await direct(repo, { rules: [forbiddenRule] });
    expect(outcome.conclusion).toBe("failure");
    const updates = t.fake.requests.filter((r) => r.method === "PATCH" && r.path.includes("/check-runs/"));
    expect(updates.map((u) => [u.body.output.annotations.length, u.body.conclusion ?? null])).toEqual([
      [50, null],
      [50, null],
      [20, "failure"],
    ]);
    expect(lastRun().annotations).toHaveLength(120);
    expect(lastRun().annotations[0]).toMatchObject({ path: "src/payments/charge.ts", start_line: 1, end_line: 1, annotation_level: "failure" });
    expect(lastRun().annotations[119]).toMatchObject({ start_line: 120 });
    expect(lastRun().output.title).toBe("120 hard constraints violated");
    expect(lastRun().output.summary).toContain("| ID | Severity | Category | Title | Where |");
  });

  test("the comment stays under GitHub's 65,536 characters with 3,000 findings", async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `FORBIDDEN ${i} ${"x".repeat(40)}`).join("\n") + "\n";
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": lines }, config: isolatedConfig() });
    await direct(repo, { rules: [forbiddenRule] });
    expect(comment()).toHaveLength(1);
    expect(comment()[0]!.body.length).toBeLessThanOrEqual(65_536);
    expect(comment()[0]!.body).toContain("- [ ] Every outbound call has a timeout");
    expect(lastRun().output.summary!.length).toBeLessThanOrEqual(65_535);
    expect(lastRun().annotations).toHaveLength(3000);
  });
});

describe("faults: the check run always completes and says what went wrong", () => {
  test("5xx from the files API", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: isolatedConfig() });
    t.fake.faults = [{ route: /^GET \/repos\/acme\/shop\/pulls\/7\/files$/, status: 502, body: { message: "Bad Gateway" } }];
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(lastRun()).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Review could not run: GitHub API error 502: Bad Gateway" },
    });
    expect(t.fake.comments).toEqual([]);
  });

  test("a redelivery that hits a transient error keeps the verdict already published for that head", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: isolatedConfig() });
    const payload = pullRequestPayload(t.fake, "opened", repo.pull);
    await t.receive("pull_request", payload);
    t.fake.faults = [{ route: /^GET \/repos\/acme\/shop\/pulls\/7\/files$/, status: 503 }];
    t.fake.reset();
    await t.receive("pull_request", payload);
    expect(t.fake.writes()).toEqual([]);
    expect(t.fake.checkRuns.map((r) => [r.status, r.conclusion])).toEqual([["completed", "success"]]);
  });

  test("a request that never answers times out", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: isolatedConfig() });
    t.fake.faults = [{ route: /^GET \/repos\/acme\/shop\/pulls\/7\/files$/, hang: true }];
    await direct(repo, { timeoutMs: 300 });
    expect(lastRun()).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Review could not run: a GitHub API request timed out" },
    });
  });

  test("a rate-limit answer", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: isolatedConfig() });
    t.fake.faults = [
      {
        route: /contents\/\.github\/archgate\.yml$/,
        status: 403,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000000" },
        body: { message: "API rate limit exceeded for installation ID 42." },
        times: 1,
      },
    ];
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(lastRun()).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Review could not run: GitHub API rate limit exceeded until 2030-03-17T17:46:40.000Z" },
    });
  });

  test("a file list cut short that cannot be completed fails closed", async () => {
    const head: Record<string, string> = {};
    for (let i = 0; i < 30; i++) head[`src/payments/f${i}.ts`] = `${i}\n`;
    const repo = seedRepo(t.fake, { base: { "README.md": "x\n" }, head, config: isolatedConfig(), pull: { listLimit: 20 } });
    t.fake.treeLimit = 10; // the git trees are truncated too, and the walk is refused
    t.fake.faults = [{ route: /^GET \/repos\/acme\/shop\/git\/commits\//, status: 500 }];
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(lastRun()).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(lastRun().output.title).toMatch(/^Review could not run: /);
  });

  test("a truncated file list is completed from the git trees", async () => {
    const head: Record<string, string> = {};
    for (let i = 0; i < 30; i++) head[`src/payments/f${String(i).padStart(2, "0")}.ts`] = `${i}\n`;
    const repo = seedRepo(t.fake, { base: { "README.md": "x\n" }, head, config: isolatedConfig(), pull: { listLimit: 20 } });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(t.fake.calls()).toContain(`GET /repos/acme/shop/compare/${repo.base}...${repo.head}`);
    expect(lastRun()).toMatchObject({ status: "completed", conclusion: "success" });
    expect(comment()[0]!.body).toContain("changes src/payments/f00.ts (and 29 more)");
  });

  test("an unparsable spec fails the check with an annotation at the file and line", async () => {
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "api/openapi.yaml": "openapi: 3.0.0\npaths:\n  /pets: [unclosed\n" },
      config: isolatedConfig(),
    });
    await direct(repo, { rules: [specRule] });
    expect(lastRun()).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(lastRun().output.title).toMatch(/^Review could not run: cannot parse API spec api\/openapi\.yaml/);
    expect(lastRun().annotations).toEqual([
      expect.objectContaining({ path: "api/openapi.yaml", annotation_level: "failure", title: "archgate could not review this file" }),
    ]);
  });

  test("a comment write that fails keeps the verdict and says so", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "FORBIDDEN\n" }, config: isolatedConfig() });
    t.fake.faults = [{ route: /^POST \/repos\/acme\/shop\/issues\/7\/comments$/, status: 500 }];
    await direct(repo, { rules: [forbiddenRule] });
    expect(lastRun()).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "1 hard constraint violated" } });
    expect(lastRun().output.summary).toContain("The pull request comment or labels could not be updated: GitHub API error 500");
  });

  test("a passing review whose warning annotations are rejected still passes", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "FORBIDDEN\n" }, config: isolatedConfig() });
    t.fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, status: 422, body: { message: "Invalid path" }, times: 1 }];
    await direct(repo, { rules: [{ ...forbiddenRule, meta: { ...forbiddenRule.meta, id: "test-forbidden-warning", defaultSeverity: "warning" } }] });
    expect(lastRun()).toMatchObject({ status: "completed", conclusion: "success" });
    expect(lastRun().output.title).toBe("No hard constraint violated · Architecture decision record required · 1 warning");
  });

  test("annotations rejected by GitHub: the run is still completed with its verdict, without them", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "FORBIDDEN\n" }, config: isolatedConfig() });
    t.fake.faults = [{ route: /^PATCH \/repos\/acme\/shop\/check-runs\//, status: 422, body: { message: "Invalid path" }, times: 1 }];
    await direct(repo, { rules: [forbiddenRule] });
    expect(lastRun()).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "1 hard constraint violated" } });
    expect(lastRun().output.summary).toContain("> The annotations could not be written to this check run (GitHub API answered 422: Invalid path.).");
    expect(lastRun().annotations).toEqual([]);
  });
});
