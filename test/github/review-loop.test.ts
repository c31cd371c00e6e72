import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { FakeGitHub } from "./fake-github.js";
import { FULL_NAME, pullRequestPayload, push, seedRepo, startTestApp, type TestApp } from "./harness.js";
import {
  appComments,
  CART_SERVICE,
  DROP_FILE,
  DROP_SQL,
  issueCommentPayload,
  latestRun,
  loopConfig,
  PETS_DELETE,
  PETS_SPEC,
  PLAN,
  reviewPayload,
  seedPeople,
  USERS_TABLE,
} from "./review-loop-harness.js";

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp(new FakeGitHub());
  seedPeople(t.fake);
});
afterEach(async () => t.close());

describe("the review loop, in process", () => {
  test("waive: the author is refused with who may; a maintainer's waiver passes the check and is listed; a command-free comment costs nothing", async () => {
    const repo = seedRepo(t.fake, { base: USERS_TABLE, head: { [DROP_FILE]: DROP_SQL }, config: loopConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    const failing = latestRun(t.fake, repo.head);
    expect([failing.conclusion, failing.output.title]).toEqual(["failure", "1 hard constraint violated"]);
    const id = failing.annotations[0]!.title.split(" ")[0];

    t.fake.reset();
    const chat = t.fake.addUserComment(7, "bob", "Looks fine to me, the expand step shipped last week.");
    await t.receive("issue_comment", issueCommentPayload(t.fake, "created", chat));
    expect(t.fake.calls()).toEqual([]);

    const byAuthor = t.fake.addUserComment(7, "alice", "/archgate waive destructive-migration reason: contract step of #412");
    await t.receive("issue_comment", issueCommentPayload(t.fake, "created", byAuthor));
    expect(latestRun(t.fake, repo.head).id).toBe(failing.id);
    expect(t.fake.reactions).toEqual([]);
    expect(appComments(t.fake, 7).at(-1)!.body).toBe(
      `@alice - @alice cannot waive findings on their own pull request. Who may: users with maintain permission or more (\`authority.waive\` in \`.github/archgate.yml\`).\n\n<!-- archgate:reply-to=${byAuthor.id} -->`,
    );

    t.fake.reset();
    const byMaintainer = t.fake.addUserComment(
      7,
      "maria",
      "/archgate waive destructive-migration reason: contract step of #412, expand shipped in 1.8",
    );
    await t.receive("issue_comment", issueCommentPayload(t.fake, "created", byMaintainer));
    const passing = latestRun(t.fake, repo.head);
    expect([passing.conclusion, passing.output.title]).toEqual(["success", "No hard constraint violated · Data review required"]);
    expect(passing.annotations.map((a) => [a.path, a.start_line, a.annotation_level, a.title])).toEqual([
      [DROP_FILE, 1, "warning", `${id} Destructive migration (waived)`],
    ]);
    expect(t.fake.reactions.map((r) => [r.comment_id, r.content, r.user.login])).toEqual([[byMaintainer.id, "+1", "archgate[bot]"]]);
    const sticky = appComments(t.fake, 7)[0]!.body;
    expect(sticky).toContain(
      `- Waiver of \`destructive-migration\` (${id}) by @maria on ${byMaintainer.created_at.slice(0, 10)}: contract step of #412, expand shipped in 1.8`,
    );
    expect(t.fake.calls()).toEqual([
      "GET /repos/acme/shop/pulls/7",
      `GET /repos/acme/shop/commits/${repo.head}/check-runs`,
      "GET /repos/acme/shop/contents/.github/archgate.yml",
      "GET /repos/acme/shop/pulls/7/files",
      // The head's contents were read by an earlier review of it (CommitReads): no GraphQL read.
      "GET /repos/acme/shop/issues/7/comments",
      "GET /repos/acme/shop/collaborators/alice/permission",
      "GET /repos/acme/shop/collaborators/maria/permission",
      "GET /repos/acme/shop/pulls/7",
      `PATCH /repos/acme/shop/issues/comments/${appComments(t.fake, 7)[0]!.id}`,
      // The new verdict differs from the run of the last review: a new run, created completed.
      "POST /repos/acme/shop/check-runs",
      `GET /repos/acme/shop/issues/comments/${byMaintainer.id}/reactions`,
      `POST /repos/acme/shop/issues/comments/${byMaintainer.id}/reactions`,
    ]);

    // Redelivery writes nothing new.
    t.fake.reset();
    await t.receive("issue_comment", issueCommentPayload(t.fake, "created", byMaintainer));
    expect(t.fake.writes()).toEqual([]);
  });

  test("migration plan: awaiting acceptance; an approval of an earlier head does not accept it, one of the current head does", async () => {
    const repo = seedRepo(t.fake, {
      base: { "api/openapi.yaml": PETS_SPEC(PETS_DELETE) },
      head: { "api/openapi.yaml": PETS_SPEC("") },
      config: loopConfig(),
      pull: { body: PLAN },
    });
    const first = repo.head;
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(latestRun(t.fake, first).output.title).toBe("Migration plan awaiting acceptance (1 breaking change)");
    const early = t.fake.addReview(7, "bob", "APPROVED", first);
    push(repo, { "README.md": "pets\n" });
    await t.receive("pull_request_review", reviewPayload(t.fake, "submitted", repo.pull, early));
    expect([latestRun(t.fake, repo.head).conclusion, latestRun(t.fake, repo.head).output.title]).toEqual([
      "failure",
      "Migration plan awaiting acceptance (1 breaking change)",
    ]);
    const current = t.fake.addReview(7, "bob", "APPROVED", repo.head);
    await t.receive("pull_request_review", reviewPayload(t.fake, "submitted", repo.pull, current));
    expect([latestRun(t.fake, repo.head).conclusion, latestRun(t.fake, repo.head).output.title]).toEqual([
      "success",
      "No hard constraint violated · Contract review required",
    ]);
    expect(appComments(t.fake, 7)[0]!.body).toMatch(/- Migration plan of MAINT-[0-9a-f]{6} accepted by @bob's approving review on 2026-03-09/);
  });

  test("required reviewers: the team is requested once across two pushes; the check waits for a member's approval", async () => {
    const repo = seedRepo(t.fake, { base: { "README.md": "shop\n" }, head: CART_SERVICE, config: loopConfig() });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(latestRun(t.fake, repo.head).output.title).toBe("Awaiting service design review by @acme/architects");
    push(repo, { "services/cart/server.js": "require('http').createServer((q, s) => s.end('ok!')).listen(8080);\n" });
    await t.receive("pull_request", pullRequestPayload(t.fake, "synchronize", repo.pull));
    push(repo, { "README.md": "shop, now with a cart\n" });
    await t.receive("pull_request", pullRequestPayload(t.fake, "synchronize", repo.pull));
    expect(repo.pull.requestedReviewers).toEqual([{ reviewers: [], team_reviewers: ["architects"] }]);
    const outsider = t.fake.addReview(7, "bob", "APPROVED", repo.head);
    await t.receive("pull_request_review", reviewPayload(t.fake, "submitted", repo.pull, outsider));
    expect(latestRun(t.fake, repo.head).conclusion).toBe("failure");
    const member = t.fake.addReview(7, "tom", "APPROVED", repo.head);
    await t.receive("pull_request_review", reviewPayload(t.fake, "submitted", repo.pull, member));
    expect([latestRun(t.fake, repo.head).conclusion, latestRun(t.fake, repo.head).output.title]).toEqual([
      "success",
      "No hard constraint violated · Service design review required",
    ]);
    expect(t.fake.pulls.get(`${FULL_NAME}#7`)!.requestedReviewers).toHaveLength(1);
  });

  test("outcome: a rejection blocks a PR without findings, and the comment's verdict line says so and by whom", async () => {
    const repo = seedRepo(t.fake, {
      base: USERS_TABLE,
      head: { "db/migrate/20260302000000_add_nickname.sql": "ALTER TABLE users ADD COLUMN nickname text;\n" },
      config: loopConfig(),
    });
    await t.receive("pull_request", pullRequestPayload(t.fake, "opened", repo.pull));
    expect(latestRun(t.fake, repo.head).conclusion).toBe("success");
    const rejected = t.fake.addUserComment(7, "maria", "/archgate outcome rejected reason: nicknames belong in the profile service");
    await t.receive("issue_comment", issueCommentPayload(t.fake, "created", rejected));
    expect(latestRun(t.fake, repo.head).output.title).toBe("Rejected by @maria: nicknames belong in the profile service");
    const verdict = appComments(t.fake, 7)[0]!.body.split("\n")[3];
    expect(verdict).toBe("❌ **Merge blocked** · ⏳ **Data review** awaited · Rejected by @maria: nicknames belong in the profile service");
  });
});
