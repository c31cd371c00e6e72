import type { ArchgateConfig } from "../config/schema.js";
import type { EngineOptions } from "../engine/engine.js";
import type { Report } from "../engine/types.js";
import type { PullRequestSnapshot } from "./change-source.js";
import { resultFromConfigError, resultFromEvaluationError, resultFromReport, type CheckResult } from "./check-result.js";
import { CheckRunLifecycle } from "./check-run.js";
import { findStickyComment, planComment, writeComment } from "./comment.js";
import { evaluatePullRequest } from "./evaluation.js";
import { applyLabels, labelName, planLabels, type KnownLabels, type LabelPlan } from "./labels.js";
import { describeApiError, type AppIdentity, type LoggerLike, type Octokit } from "./octokit.js";

export interface PullRequestTarget extends PullRequestSnapshot {
  draft: boolean;
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
  engine?: EngineOptions;
}

export interface ReviewOutcome {
  /** The check run written (undefined when a redelivery found the same result already published). */
  checkRunId?: number;
  conclusion: "success" | "failure";
  title: string;
  comment: "created" | "updated" | "unchanged" | "none" | "stale";
  labels: LabelPlan | "stale" | "none";
}

interface Published {
  result: CheckResult;
  comment: ReviewOutcome["comment"];
  labels: ReviewOutcome["labels"];
}

/**
 * Reviews one pull request head and publishes the result: the "Architecture review" check run (always
 * completed, whatever fails), the sticky comment and the review-type labels. Writes for a head that is
 * no longer the PR's head are skipped, so a slow evaluation never overwrites a newer one.
 */
export async function reviewPullRequest(octokit: Octokit, pr: PullRequestTarget, options: ReviewOptions): Promise<ReviewOutcome> {
  const app = await options.identity();
  const checkRun = new CheckRunLifecycle(octokit, pr, app, options.log);
  const { checkRunUrl } = await checkRun.begin(options.force ?? false);

  let published: Published | undefined;
  let failed = false;
  let written: { checkRunId?: number } = {};
  try {
    published = await evaluateAndPublish(octokit, pr, app, checkRunUrl, options);
  } catch (error) {
    failed = true;
    options.log?.error({ err: error, pr: pr.number, head: pr.headSha }, "architecture review could not run");
    published = { result: resultFromEvaluationError(describeApiError(error)), comment: "none", labels: "none" };
  } finally {
    // The gate is never left in progress: complete it even when evaluation threw something unexpected.
    const result = published?.result ?? resultFromEvaluationError("unexpected error");
    written = await checkRun.complete(result, { evaluationFailed: failed });
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

async function evaluateAndPublish(octokit: Octokit, pr: PullRequestTarget, app: AppIdentity, checkRunUrl: string | undefined, options: ReviewOptions): Promise<Published> {
  const evaluation = await evaluatePullRequest(octokit, pr, { concurrency: options.concurrency ?? 8, ...(options.engine ? { engine: options.engine } : {}) });
  if (!evaluation.ok) {
    const { error, file, inRepository } = evaluation.invalidConfig;
    return { result: resultFromConfigError(error, file, inRepository), comment: "none", labels: "none" };
  }
  const { config, report, configPreview } = evaluation;

  const notes: string[] = [];
  const publishing = await publish(octokit, pr, app, config, report, { configPreview, checkRunUrl }, options.knownLabels).catch((error: unknown) => {
    options.log?.warn({ err: error, pr: pr.number }, "the PR comment or labels could not be updated");
    notes.push(`The pull request comment or labels could not be updated: ${describeApiError(error)}.`);
    return { comment: "none" as const, labels: "none" as const };
  });
  if (publishing.comment === "stale") notes.push("A newer commit was pushed meanwhile; the comment and labels show the newer commit's review.");
  return { result: resultFromReport(report, notes), ...publishing };
}

async function publish(
  octokit: Octokit,
  pr: PullRequestTarget,
  app: AppIdentity,
  config: ArchgateConfig,
  report: Report,
  render: { configPreview?: string | undefined; checkRunUrl?: string | undefined },
  knownLabels?: KnownLabels,
): Promise<Pick<Published, "comment" | "labels">> {
  const repoRef = { owner: pr.owner, repo: pr.repo };
  const existing = await findStickyComment(octokit, repoRef, pr.number, app);
  const planFor = (draft: boolean) =>
    planComment(report, existing, {
      draft,
      ...(render.configPreview ? { configPreview: render.configPreview } : {}),
      ...(render.checkRunUrl ? { checkRunUrl: render.checkRunUrl } : {}),
    });
  // Nothing to write (a redelivery, a PR that never hit a trigger): no need to re-read the PR either.
  if (planFor(pr.draft).action === "none" && isEmpty(planLabels(config, report, pr.labels ?? []))) {
    return { comment: existing ? "unchanged" : "none", labels: { add: [], remove: [] } };
  }

  // Re-read the PR right before writing: an older head's evaluation must not overwrite a newer one's.
  const { data: current } = await octokit.rest.pulls.get({ ...repoRef, pull_number: pr.number });
  if (current.head.sha !== pr.headSha) return { comment: "stale", labels: "stale" };

  const plan = planFor(current.draft ?? pr.draft);
  await writeComment(octokit, repoRef, pr.number, existing, plan);
  const comment = plan.action === "create" ? "created" : plan.action === "update" ? "updated" : existing ? "unchanged" : "none";

  const labelPlan = planLabels(
    config,
    report,
    current.labels.map((l) => l.name),
  );
  const descriptions = Object.fromEntries(report.reviewTypes.map((t) => [labelName(config, t.id), `${t.title} required (archgate)`]));
  await applyLabels(octokit, repoRef, pr.number, labelPlan, descriptions, knownLabels);
  return { comment, labels: labelPlan };
}

function isEmpty(plan: LabelPlan): boolean {
  return plan.add.length === 0 && plan.remove.length === 0;
}
