import type { EngineModules } from "../engine/types.js";
import { withinBudget, type ReviewBudget } from "./budget.js";
import type { PullRequestSnapshot } from "./change-source.js";
import type { CommitReads } from "./commit-reads.js";
import { resultFromConfigError, resultFromEvaluationError, resultFromReport, type CheckResult } from "./check-result.js";
import { evaluatePullRequest, type Evaluation } from "./evaluation.js";
import type { KnownLabels } from "./labels.js";
import { describeApiError, type AppIdentity, type LoggerLike, type Octokit } from "./octokit.js";
import { publishCommentAndLabels, type CommentAndLabels } from "./publish.js";
import { GitHubPublisher, type Publisher } from "./publisher.js";
import type { RetryPolicy } from "./retry.js";
import { requestReviewers, respondToCommand, runReviewLoop, type LoopResult } from "./review-loop.js";
import type { UnfinishedRuns } from "./unfinished.js";

export interface PullRequestTarget extends PullRequestSnapshot {
  draft: boolean;
  /** The PR's author's login (the review loop never lets them decide about their own PR); "" when unknown. */
  author?: string;
}

/** The fields of a pull request (webhook payload or REST) a review needs. */
export interface PullRequestFields {
  number: number;
  draft?: boolean | undefined;
  changed_files?: number | undefined;
  title: string;
  body?: string | null | undefined;
  head: { sha: string };
  base: { sha: string };
  labels?: Array<{ name?: string | null } | string> | undefined;
  user?: { login?: string } | null | undefined;
}

export function targetFromPullRequest(owner: string, repo: string, pr: PullRequestFields): PullRequestTarget {
  return {
    owner,
    repo,
    number: pr.number,
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    draft: pr.draft ?? false,
    ...(typeof pr.changed_files === "number" ? { changedFiles: pr.changed_files } : {}),
    title: pr.title,
    body: pr.body ?? null,
    labels: (pr.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    author: pr.user?.login ?? "",
  };
}

export interface ReviewOptions {
  /** Who the app is (to recognise its own comment and check runs); fetched lazily and cached by the caller. */
  identity: () => Promise<AppIdentity>;
  /** A re-run someone asked for: always a new check run. */
  force?: boolean;
  log?: LoggerLike;
  /** Content reads in flight at once. */
  concurrency?: number;
  /** Labels known to exist already (shared by the reviews of one process). */
  knownLabels?: KnownLabels;
  /** Registry overrides (tests). */
  engine?: Partial<EngineModules>;
  /** Time and memory the review may use (budget.ts); unbounded when unset. */
  budget?: ReviewBudget;
  /** Retries of the check run's create (the request layer retries the rest, retry.ts). */
  retry?: RetryPolicy;
  /** Check runs that could not be completed, for the next review of the PR and the sweep. */
  unfinished?: UnfinishedRuns;
  /** A new check run is created in progress this late, or once completed if the review ends sooner (see CheckRunLifecycle). */
  checkRunDelayMs?: number;
  /** A command comment to answer (👍 or a reply) once the review is published. */
  respondTo?: number;
  /** The time waivers' `until` dates are judged against (tests). */
  now?: () => Date;
  /** Merge bases, trees and contents earlier reviews of this process read (commit-reads.ts). */
  commitReads?: CommitReads;
  /** One of the process's evaluation slots, taken before the review starts and given back once it is evaluated (see reviewAndPublish). */
  evaluationSlot?: EvaluationSlot;
}

/** Waits for a free evaluation slot; resolves with the function that gives it back (`slots` in octokit.ts). */
export type EvaluationSlot = () => Promise<() => void>;

export interface ReviewOutcome {
  /** The check run written (undefined when a redelivery found the same result already published). */
  checkRunId?: number;
  conclusion: "success" | "failure";
  title: string;
  comment: CommentAndLabels["comment"];
  labels: CommentAndLabels["labels"];
}

type Published = CommentAndLabels & { result: CheckResult };

/**
 * The App's review of one pull request head: evaluated through the GitHub API and published through a
 * GitHubPublisher as the App itself (its identity from GET /app, asked once per process by the caller).
 */
export async function reviewPullRequest(octokit: Octokit, pr: PullRequestTarget, options: ReviewOptions): Promise<ReviewOutcome> {
  const identity = await options.identity();
  const publisher = new GitHubPublisher(octokit, pr, {
    identity,
    ...(options.knownLabels ? { knownLabels: options.knownLabels } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.unfinished ? { unfinished: options.unfinished } : {}),
    ...(options.checkRunDelayMs !== undefined ? { checkRunDelayMs: options.checkRunDelayMs } : {}),
  });
  let loop: LoopResult | undefined;
  const loopPr = { owner: pr.owner, repo: pr.repo, number: pr.number, headSha: pr.headSha, draft: pr.draft, author: pr.author ?? "" };
  const outcome = await reviewAndPublish(
    publisher,
    pr,
    async () => {
      const evaluation = await evaluatePullRequest(octokit, pr, {
        concurrency: options.concurrency ?? 8,
        ...(options.engine ? { engine: options.engine } : {}),
        ...(options.commitReads ? { commitReads: options.commitReads } : {}),
      });
      if (!evaluation.ok) return evaluation;
      // The review loop: decisions from the PR's comments and reviews, applied to the report.
      loop = await runReviewLoop(octokit, loopPr, evaluation.config, evaluation.report, identity, options.now?.() ?? new Date());
      await requestReviewers(octokit, loopPr, evaluation.config, loop.report);
      return { ...evaluation, report: loop.report, existingComment: loop.existing ?? null };
    },
    options,
  );
  if (options.respondTo !== undefined && loop) {
    await respondToCommand(octokit, { owner: pr.owner, repo: pr.repo }, pr.number, options.respondTo, loop, identity);
  }
  return outcome;
}

/**
 * Reviews one pull request head and publishes the result through any Publisher: the "Architecture
 * review" check run (always completed, whatever fails), the sticky comment and the review-type labels.
 * Writes for a head that is no longer the PR's head are skipped, so a slow evaluation never overwrites a
 * newer one. `pr.draft` and `pr.labels` are what the event said (the PR is re-read before writing).
 */
export async function reviewAndPublish(
  publisher: Publisher,
  pr: { number: number; headSha: string; draft: boolean; labels?: string[] | undefined },
  evaluate: () => Promise<Evaluation>,
  options: {
    force?: boolean | undefined;
    log?: LoggerLike | undefined;
    budget?: ReviewBudget | undefined;
    evaluationSlot?: EvaluationSlot | undefined;
  } = {},
): Promise<ReviewOutcome> {
  // The evaluation (reading the PR, running the rules: the memory and CPU) runs in one of the process's
  // slots, taken before the review starts (its budget does not count the wait) and given back as soon as
  // the verdict is known: the writes wait for GitHub's pacing of the installation outside it, so reviews
  // of a busy installation never keep other installations' reviews from being evaluated.
  let release = (await options.evaluationSlot?.()) ?? (() => undefined);
  const free = () => {
    const give = release;
    release = () => undefined;
    give();
  };
  try {
    return await reviewAndPublishInSlot(
      publisher,
      pr,
      async () => {
        try {
          return await evaluate();
        } finally {
          free();
        }
      },
      options,
    );
  } finally {
    free();
  }
}

async function reviewAndPublishInSlot(
  publisher: Publisher,
  pr: { number: number; headSha: string; draft: boolean; labels?: string[] | undefined },
  evaluate: () => Promise<Evaluation>,
  options: { force?: boolean | undefined; log?: LoggerLike | undefined; budget?: ReviewBudget | undefined },
): Promise<ReviewOutcome> {
  let checkRunUrl: string | undefined;
  try {
    ({ checkRunUrl } = await publisher.begin({ force: options.force ?? false }));
  } catch (error) {
    // No run in progress: the review goes on and `complete` writes the verdict.
    options.log?.warn({ err: error, pr: pr.number, head: pr.headSha }, "the check run could not be started");
  }

  let published: Published | undefined;
  let failed = false;
  let written: { checkRunId?: number } = {};
  try {
    const run = () => evaluateAndPublish(publisher, pr, evaluate, checkRunUrl, options.log);
    published = await (options.budget ? withinBudget(options.budget, run) : run());
  } catch (error) {
    failed = true;
    options.log?.error({ err: error, pr: pr.number, head: pr.headSha }, "architecture review could not run");
    published = { result: resultFromEvaluationError(describeApiError(error)), comment: "none", labels: "none" };
  } finally {
    // The gate is never left in progress: complete it even when evaluation threw something unexpected.
    const result = published?.result ?? resultFromEvaluationError("unexpected error");
    written = await publisher.complete(result, { evaluationFailed: failed });
  }
  const done = published!;
  return {
    ...(written.checkRunId !== undefined ? { checkRunId: written.checkRunId } : {}),
    conclusion: done.result.conclusion,
    title: done.result.output.title,
    comment: done.comment,
    labels: done.labels,
  };
}

async function evaluateAndPublish(
  publisher: Publisher,
  pr: { number: number; draft: boolean; labels?: string[] | undefined },
  evaluate: () => Promise<Evaluation>,
  checkRunUrl: string | undefined,
  log: LoggerLike | undefined,
): Promise<Published> {
  const evaluation = await evaluate();
  // Only writes are left: the check run is created with the verdict rather than in progress first.
  publisher.verdictKnown?.();
  if (!evaluation.ok) {
    const { error, file, inRepository } = evaluation.invalidConfig;
    return { result: resultFromConfigError(error, file, inRepository), comment: "none", labels: "none" };
  }
  const { config, report, configPreview, existingComment } = evaluation;

  const notes: string[] = [];
  // A review that could not run completely writes no comment and no labels: the check run says why.
  if (report.conclusion === "error") return { result: resultFromReport(report, notes), comment: "none", labels: "none" };
  const publishing = await publishCommentAndLabels(publisher, {
    config,
    report,
    draft: pr.draft,
    labels: pr.labels ?? [],
    configPreview,
    checkRunUrl,
    existing: existingComment,
  }).catch((error: unknown): CommentAndLabels => {
    log?.warn({ err: error, pr: pr.number }, "the PR comment or labels could not be updated");
    notes.push(`The pull request comment or labels could not be updated: ${describeApiError(error)}.`);
    return { comment: "none", labels: "none" };
  });
  if (publishing.closed) notes.push("The pull request was closed meanwhile; no comment or labels were written.");
  else if (publishing.comment === "stale") notes.push("A newer commit was pushed meanwhile; the comment and labels show the newer commit's review.");
  return { result: resultFromReport(report, notes), ...publishing };
}
