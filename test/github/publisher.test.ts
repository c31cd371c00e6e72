import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { CheckResult } from "../../src/github/check-result.js";
import type { CommentPlan, ExistingComment } from "../../src/github/comment.js";
import { evaluatePullRequest, type Evaluation } from "../../src/github/evaluation.js";
import type { LabelPlan } from "../../src/github/labels.js";
import { GitHubPublisher, type CurrentHead, type Publisher } from "../../src/github/publisher.js";
import { slots } from "../../src/github/octokit.js";
import { reviewAndPublish } from "../../src/github/review.js";
import { targetFromPullRequest } from "../../src/github/app.js";
import { APP, FakeGitHub } from "./fake-github.js";
import { FULL_NAME, OWNER, REPO, isolatedConfig, seedRepo, startTestApp, type Repo, type TestApp } from "./harness.js";

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp(new FakeGitHub());
});
afterEach(async () => t.close());

/** A workflow's GITHUB_TOKEN writes as the github-actions app: comments by github-actions[bot]. */
const WORKFLOW = { id: 15368, slug: "github-actions" };
const head = (repo: Repo) => ({ owner: OWNER, repo: REPO, number: 7, headSha: repo.pull.head });
const marker = (sha: string) => `<!-- archgate:comment head=${sha} -->\nbody`;

describe("GitHubPublisher: whose comment and check runs are ours is its identity parameter", () => {
  test("as a workflow: the comment github-actions[bot] wrote is the sticky one, not the App's; no GET /app", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: isolatedConfig() });
    t.fake.addComment(7, marker("a".repeat(40)), "app");
    const ours = t.fake.addComment(7, marker("b".repeat(40)), { login: "github-actions[bot]", type: "Bot", app: WORKFLOW });
    t.fake.addComment(7, marker("c".repeat(40)), { login: "github-actions[bot]", type: "Bot", app: WORKFLOW });

    const asWorkflow = new GitHubPublisher(t.octokit, head(repo), { identity: WORKFLOW });
    expect(await asWorkflow.findComment()).toEqual({ id: ours.id, body: ours.body, headSha: "b".repeat(40) });
    // Known by its login alone, as when only the author is known.
    expect((await new GitHubPublisher(t.octokit, head(repo), { identity: { slug: "github-actions" } }).findComment())?.id).toBe(ours.id);
    const asApp = new GitHubPublisher(t.octokit, head(repo), { identity: APP });
    expect((await asApp.findComment())?.headSha).toBe("a".repeat(40));
    expect(t.fake.calls({ all: true })).toEqual(Array(3).fill("GET /repos/acme/shop/issues/7/comments"));
    // The comment links files under the repository's web address (GitHub's, or a GitHub Enterprise Server's).
    expect(asApp.repoUrl).toBe("https://github.com/acme/shop");
    expect(new GitHubPublisher(t.octokit, head(repo), { identity: APP, webUrl: "https://git.example.com/" }).repoUrl).toBe(
      "https://git.example.com/acme/shop",
    );
  });

  test("as a workflow: the App's completed check run for the head is not ours, so begin creates one", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: { "src/payments/charge.ts": "x\n" }, config: isolatedConfig() });
    t.fake.checkRuns.push({
      id: 1,
      name: "Architecture review",
      head_sha: repo.pull.head,
      status: "completed",
      conclusion: "success",
      external_id: "7",
      output: {},
      annotations: [],
      app: APP,
    });

    // Ours as the App: left alone until the verdict is known, and linked from the comment.
    expect(await new GitHubPublisher(t.octokit, head(repo), { identity: APP }).begin()).toEqual({
      checkRunUrl: "https://github.com/acme/shop/runs/1",
    });
    expect(t.fake.calls()).toEqual([`GET /repos/acme/shop/commits/${repo.pull.head}/check-runs`]);
    t.fake.reset();
    await new GitHubPublisher(t.octokit, head(repo), { identity: WORKFLOW }).begin();
    expect(t.fake.calls()).toEqual([`GET /repos/acme/shop/commits/${repo.pull.head}/check-runs`, "POST /repos/acme/shop/check-runs"]);
    expect(t.fake.requests[0]!.query).toMatchObject({ app_id: "15368" });
  });

  test("currentHead: the PR's draft flag and labels, or stale once its head moved on", async () => {
    const repo = seedRepo(t.fake, {
      base: {},
      head: { "src/payments/charge.ts": "x\n" },
      config: isolatedConfig(),
      pull: { draft: true, labels: ["bug"] },
    });
    const publisher = new GitHubPublisher(t.octokit, head(repo), { identity: APP });
    expect(await publisher.currentHead()).toEqual({ stale: false, draft: true, labels: ["bug"] });
    repo.pull.head = "f".repeat(40);
    expect(await publisher.currentHead()).toEqual({ stale: true });
  });
});

/** A Publisher that writes nowhere and records each operation, as a dry run of `archgate pr` would. */
class RecordingPublisher implements Publisher {
  ops: string[] = [];
  body: string | undefined;
  result: CheckResult | undefined;

  constructor(
    private readonly current: CurrentHead,
    private readonly existing?: ExistingComment,
  ) {}

  async begin({ force = false }: { force?: boolean } = {}) {
    this.ops.push(force ? "begin (force)" : "begin");
    return { checkRunUrl: "https://github.test/acme/shop/runs/1" };
  }
  async findComment() {
    this.ops.push("findComment");
    return this.existing;
  }
  async currentHead() {
    this.ops.push("currentHead");
    return this.current;
  }
  async writeComment(_existing: ExistingComment | undefined, plan: CommentPlan) {
    this.ops.push(`writeComment ${plan.action}`);
    this.body = plan.body;
  }
  async applyLabels(plan: LabelPlan, descriptions: Record<string, string>) {
    this.ops.push(`applyLabels +[${plan.add.join(", ")}] -[${plan.remove.join(", ")}] ${JSON.stringify(descriptions)}`);
  }
  async complete(result: CheckResult, { evaluationFailed = false }: { evaluationFailed?: boolean } = {}) {
    this.ops.push(`complete ${result.conclusion}${evaluationFailed ? " (evaluation failed)" : ""}`);
    this.result = result;
    return { checkRunId: 1 };
  }
}

describe("reviewAndPublish over any Publisher", () => {
  async function evaluation(headTree: Record<string, string>): Promise<{ repo: Repo; evaluation: Evaluation }> {
    const repo = seedRepo(t.fake, { base: {}, head: headTree, config: isolatedConfig() });
    const target = targetFromPullRequest(OWNER, REPO, t.fake.pullJson(FULL_NAME, repo.pull));
    return { repo, evaluation: await evaluatePullRequest(t.octokit, target, { engine: { rules: [], triggers: [] } }) };
  }
  const pr = (repo: Repo, labels: string[] = []) => ({ number: 7, headSha: repo.pull.head, draft: false, labels });

  test("a review that hits a trigger: check run begun, comment created, label added, run completed", async () => {
    const { repo, evaluation: evaluated } = await evaluation({ "src/payments/charge.ts": "x\n" });
    const publisher = new RecordingPublisher({ stale: false, labels: [] });
    const outcome = await reviewAndPublish(publisher, pr(repo), async () => evaluated, { force: true });
    expect(publisher.ops).toEqual([
      "begin (force)",
      "findComment",
      "currentHead",
      "writeComment create",
      'applyLabels +[arch-review: adr] -[] {"arch-review: adr":"Architecture decision record required (archgate)"}',
      "complete success",
    ]);
    expect(publisher.body).toContain(`<!-- archgate:comment head=${repo.pull.head} -->`);
    expect(outcome).toEqual({
      checkRunId: 1,
      conclusion: "success",
      title: "No hard constraint violated · Architecture decision record required",
      comment: "created",
      labels: { add: ["arch-review: adr"], remove: [] },
    });
  });

  test("a head that moved on: nothing written but the check run, whose summary says why", async () => {
    const { repo, evaluation: evaluated } = await evaluation({ "src/payments/charge.ts": "x\n" });
    const publisher = new RecordingPublisher({ stale: true });
    const outcome = await reviewAndPublish(publisher, pr(repo), async () => evaluated);
    expect(publisher.ops).toEqual(["begin", "findComment", "currentHead", "complete success"]);
    expect(publisher.result!.output.summary).toContain(
      "> A newer commit was pushed meanwhile; the comment and labels show the newer commit's review.",
    );
    expect(outcome).toMatchObject({ comment: "stale", labels: "stale" });
  });

  test("nothing to write (no trigger, no comment, no label): the PR is not re-read", async () => {
    const { repo, evaluation: evaluated } = await evaluation({ "README.md": "x\n" });
    const publisher = new RecordingPublisher({ stale: false, labels: [] });
    const outcome = await reviewAndPublish(publisher, pr(repo), async () => evaluated);
    expect(publisher.ops).toEqual(["begin", "findComment", "complete success"]);
    expect(outcome).toEqual({
      checkRunId: 1,
      conclusion: "success",
      title: "No hard constraint violated",
      comment: "none",
      labels: { add: [], remove: [] },
    });
  });

  test("an evaluation that throws: the run is completed as a failure that keeps any earlier verdict; nothing else is touched", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: {}, config: isolatedConfig() });
    const publisher = new RecordingPublisher({ stale: false, labels: [] });
    const outcome = await reviewAndPublish(publisher, pr(repo), async () => {
      throw new Error("boom");
    });
    expect(publisher.ops).toEqual(["begin", "complete failure (evaluation failed)"]);
    expect(outcome).toEqual({ checkRunId: 1, conclusion: "failure", title: "Review could not run: boom", comment: "none", labels: "none" });
  });

  test("one evaluation slot: a review waiting to write (its installation's pacing) gives the slot back, the next review is evaluated meanwhile", async () => {
    const { repo, evaluation: evaluated } = await evaluation({ "src/payments/charge.ts": "x\n" });
    const slot = slots(1);
    let writeTurn!: () => void;
    const paced = new RecordingPublisher({ stale: false, labels: [] });
    paced.writeComment = () => new Promise<void>((resolve) => (writeTurn = resolve));
    const order: string[] = [];
    const evaluate = (name: string) => async () => {
      order.push(`${name} evaluated`);
      return evaluated;
    };
    const first = reviewAndPublish(paced, pr(repo), evaluate("first"), { evaluationSlot: slot });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const other = new RecordingPublisher({ stale: false, labels: [] });
    const second = await reviewAndPublish(other, pr(repo), evaluate("second"), { evaluationSlot: slot });
    expect(order).toEqual(["first evaluated", "second evaluated"]);
    expect(second.comment).toBe("created");
    expect(paced.ops.at(-1)).toBe("currentHead");
    writeTurn();
    expect((await first).comment).toBe("created");
  });

  test("the slot is taken before the review begins and given back when the evaluation throws", async () => {
    const repo = seedRepo(t.fake, { base: {}, head: {}, config: isolatedConfig() });
    const slot = slots(1);
    const release = await slot();
    const publisher = new RecordingPublisher({ stale: false, labels: [] });
    const review = reviewAndPublish(
      publisher,
      pr(repo),
      async () => {
        throw new Error("boom");
      },
      { evaluationSlot: slot },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(publisher.ops).toEqual([]);
    release();
    expect((await review).conclusion).toBe("failure");
    const again = await Promise.race([slot(), new Promise((resolve) => setTimeout(() => resolve("slot still taken"), 200))]);
    expect(typeof again).toBe("function");
  });

  test("a comment write that fails: the verdict stands and its summary says so", async () => {
    const { repo, evaluation: evaluated } = await evaluation({ "src/payments/charge.ts": "x\n" });
    const publisher = new RecordingPublisher({ stale: false, labels: [] });
    publisher.writeComment = async () => {
      throw Object.assign(new Error("Server Error"), { status: 500 });
    };
    const outcome = await reviewAndPublish(publisher, pr(repo), async () => evaluated);
    expect(publisher.ops).toEqual(["begin", "findComment", "currentHead", "complete success"]);
    expect(publisher.result!.output.summary).toContain(
      "> The pull request comment or labels could not be updated: GitHub API error 500: Server Error.",
    );
    expect(outcome).toMatchObject({ conclusion: "success", comment: "none", labels: "none" });
  });
});
