import type { Probot } from "probot";
import { CHECK_NAME, pullRequestsOfCheckRuns } from "./check-run.js";
import { budgetFromEnv } from "./budget.js";
import { CommitReads } from "./commit-reads.js";
import { hasCommand, isBot } from "./decisions.js";
import { KnownLabels } from "./labels.js";
import { InProcessCoordination, type Coordination } from "./coordination.js";
import { slots, type AppIdentity, type LoggerLike, type Octokit } from "./octokit.js";
import { retryPolicyFromEnv, withRetries, type RetryPolicy } from "./retry.js";
import { reviewPullRequest, targetFromPullRequest, type ReviewOptions } from "./review.js";
import { UnfinishedRuns } from "./unfinished.js";

export { targetFromPullRequest };

export const PULL_REQUEST_ACTIONS = ["opened", "synchronize", "reopened", "edited", "ready_for_review"] as const;
export const ISSUE_COMMENT_ACTIONS = ["created", "edited", "deleted"] as const;
export const PULL_REQUEST_REVIEW_ACTIONS = ["submitted", "edited", "dismissed"] as const;

/** The fields of a pull request (webhook payload or REST answer) a review needs. */

/**
 * The app's identity (id, slug), asked once per process with the app's JWT and cached; a failure is not
 * cached, so the next event asks again.
 */
export function identityOf(app: Probot, policy: RetryPolicy = retryPolicyFromEnv()): () => Promise<AppIdentity> {
  let pending: Promise<AppIdentity> | undefined;
  return () => {
    pending ??= app
      .auth()
      .then((octokit) => withRetries(octokit as Octokit, policy).rest.apps.getAuthenticated())
      .then(({ data }) => ({ id: data?.id, ...(data?.slug ? { slug: data.slug } : {}) }))
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}

/**
 * Reviews evaluated at once per process; more wait their turn (bounds memory: specs and parsers are big).
 * A review's writes (paced by GitHub's rules, per installation) happen outside these slots.
 */
export const DEFAULT_REVIEW_CONCURRENCY = 4;

export function reviewConcurrency(): number {
  const value = Number(process.env.ARCHGATE_CONCURRENCY);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_REVIEW_CONCURRENCY;
}

/** How often check runs that could not be completed are tried again (ARCHGATE_SWEEP_INTERVAL_MS). */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

function sweepIntervalMs(): number {
  const value = Number(process.env.ARCHGATE_SWEEP_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_SWEEP_INTERVAL_MS;
}

/**
 * How long a review may run before its check run is created in progress (ARCHGATE_CHECK_RUN_DELAY_MS):
 * one that ends sooner creates its run once, already completed (one write instead of two).
 */
export const DEFAULT_CHECK_RUN_DELAY_MS = 2_000;

function checkRunDelayMs(): number {
  const value = Number(process.env.ARCHGATE_CHECK_RUN_DELAY_MS);
  return process.env.ARCHGATE_CHECK_RUN_DELAY_MS && Number.isFinite(value) && value >= 0 ? value : DEFAULT_CHECK_RUN_DELAY_MS;
}

/** What the handlers keep beyond one event; the server sweeps `unfinished`. */
export interface Handlers {
  unfinished: UnfinishedRuns;
}

export interface HandlerOptions {
  /**
   * Where per-PR exclusivity, the newest head per PR and the deliveries handled live: this process
   * (default) or Redis, shared by replicas (redis-coordination.ts).
   */
  coordination?: Coordination;
}

/** Wires the webhook events to the review. Thin on purpose: the logic lives in review.ts. */
export function registerHandlers(app: Probot, options: HandlerOptions = {}): Handlers {
  const policy = retryPolicyFromEnv();
  const budget = budgetFromEnv();
  const identity = identityOf(app, policy);
  const unfinished = new UnfinishedRuns(app.log as LoggerLike);
  unfinished.start(sweepIntervalMs());
  const client = (context: { octokit: unknown; log: LoggerLike }) => withRetries(context.octokit as Octokit, policy, context.log);
  // What a commit holds never changes: a push to a PR (same merge base), a command or a redelivery (same head) reuses what the last review read.
  const commitReads = new CommitReads();
  // At most N reviews evaluated at once per process; their writes wait for the installation's pacing
  // outside the slot, so a burst of PRs in one installation does not hold up the others.
  const evaluationSlot = slots(reviewConcurrency());
  const reviewOptions = { identity, budget, retry: policy, unfinished, checkRunDelayMs: checkRunDelayMs(), commitReads, evaluationSlot };
  // Deliveries handled to the end (a replay of one is answered without a single API call), the newest
  // head seen per PR (by the PR's updated_at: an event for an older head reviews nothing), one review per
  // PR at a time: in this process, or shared by every replica through Redis.
  const coordination = options.coordination ?? new InProcessCoordination();
  // One review per PR at a time (sticky comment, labels).
  const queue = <T>(owner: string, repo: string, number: number, task: () => Promise<T>) =>
    coordination.exclusive(`${owner}/${repo}#${number}`.toLowerCase(), task);
  const knownLabels = new KnownLabels();

  app.on(
    PULL_REQUEST_ACTIONS.map((action) => `pull_request.${action}` as const),
    async (context) => {
      if (await coordination.handled(context.id)) {
        context.log.info({ delivery: context.id }, "delivery already handled; nothing to do");
        return;
      }
      const pr = context.payload.pull_request;
      if (pr.state === "closed") return;
      const { owner, repo } = context.repo();
      const key = `${owner}/${repo}#${pr.number}`.toLowerCase();
      const updatedAt = Date.parse(pr.updated_at ?? "");
      const older = () => coordination.olderHead(key, pr.head.sha, updatedAt);
      if (await older()) {
        context.log.info({ pr: pr.number, head: pr.head.sha }, "event for an older head of the pull request; not reviewed");
        await coordination.markHandled(context.id);
        return;
      }
      await queue(owner, repo, pr.number, async () => {
        // A newer head may have come while this review waited for its turn: it supersedes this one.
        if (await older()) {
          context.log.info({ pr: pr.number, head: pr.head.sha }, "a newer head of the pull request came meanwhile; not reviewed");
          return;
        }
        await reviewPullRequest(client(context), targetFromPullRequest(owner, repo, pr), { ...reviewOptions, log: context.log, knownLabels });
      });
      await coordination.markHandled(context.id);
    },
  );

  // The review loop: a command in a PR comment (or its edit or deletion) re-evaluates the PR's head with
  // the decisions its comments and reviews now hold. Comments without a command cost no API call.
  app.on(
    ISSUE_COMMENT_ACTIONS.map((action) => `issue_comment.${action}` as const),
    async (context) => {
      if (await coordination.handled(context.id)) return;
      const { issue, comment } = context.payload;
      if (!issue.pull_request || issue.state === "closed" || isBot(comment.user)) return;
      const changes = (context.payload as { changes?: { body?: { from?: string } } }).changes;
      if (!hasCommand(comment.body) && !hasCommand(changes?.body?.from)) return;
      const { owner, repo } = context.repo();
      const octokit = client(context);
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: issue.number });
      if (data.state === "closed") return;
      const respondTo = context.payload.action === "deleted" ? {} : { respondTo: comment.id };
      await queue(owner, repo, issue.number, () =>
        reviewPullRequest(octokit, targetFromPullRequest(owner, repo, data), { ...reviewOptions, log: context.log, knownLabels, ...respondTo }),
      );
      await coordination.markHandled(context.id);
    },
  );

  // An approval (or its dismissal) can accept a migration plan or satisfy a required review type.
  app.on(
    PULL_REQUEST_REVIEW_ACTIONS.map((action) => `pull_request_review.${action}` as const),
    async (context) => {
      if (await coordination.handled(context.id)) return;
      const pr = context.payload.pull_request;
      if (pr.state === "closed") return;
      const { owner, repo } = context.repo();
      await queue(owner, repo, pr.number, () =>
        reviewPullRequest(client(context), targetFromPullRequest(owner, repo, pr), { ...reviewOptions, log: context.log, knownLabels }),
      );
      await coordination.markHandled(context.id);
    },
  );

  /** A re-run someone asked for: the PR is read again, the commit asked for is reviewed into a new check run. */
  const rerun = async (octokit: Octokit, owner: string, repo: string, number: number, headSha: string, log: ReviewOptions["log"]) => {
    const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
    if (data.state === "closed") return;
    const target = targetFromPullRequest(owner, repo, data);
    // Writes to the comment and labels are skipped if the PR moved on to another head meanwhile.
    await queue(owner, repo, number, () =>
      reviewPullRequest(octokit, { ...target, headSha }, { ...reviewOptions, ...(log ? { log } : {}), force: true, knownLabels }),
    );
  };

  app.on("check_run.rerequested", async (context) => {
    const run = context.payload.check_run;
    if (run.name !== CHECK_NAME) return;
    // Fork PRs leave `pull_requests` empty: the PR number travels in external_id.
    const number = Number(run.external_id) || run.pull_requests[0]?.number;
    if (!number) return;
    const { owner, repo } = context.repo();
    await rerun(client(context), owner, repo, number, run.head_sha, context.log);
  });

  // "Re-run all checks" on the suite: every PR of that commit (found through our own check runs' external_id
  // when GitHub lists none, as for forks).
  app.on("check_suite.rerequested", async (context) => {
    const suite = context.payload.check_suite;
    const { owner, repo } = context.repo();
    const octokit = client(context);
    let numbers = (suite.pull_requests ?? []).map((p) => p.number);
    if (numbers.length === 0) numbers = await pullRequestsOfCheckRuns(octokit, { owner, repo }, suite.head_sha, await identity());
    for (const number of [...new Set(numbers)].sort((a, b) => a - b)) {
      await rerun(octokit, owner, repo, number, suite.head_sha, context.log);
    }
  });
  return { unfinished };
}
