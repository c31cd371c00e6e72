import type { CheckResult } from "./check-result.js";
import { CheckRunLifecycle } from "./check-run.js";
import { findStickyComment, writeComment, type CommentPlan, type ExistingComment } from "./comment.js";
import { applyLabels, type KnownLabels, type LabelPlan } from "./labels.js";
import type { AppIdentity, LoggerLike, Octokit, RepoRef } from "./octokit.js";
import type { RetryPolicy } from "./retry.js";
import type { UnfinishedRuns } from "./unfinished.js";

/** The pull request head a review's result is published for. */
export interface PullRequestHead extends RepoRef {
  number: number;
  headSha: string;
}

/**
 * The pull request as it is right before writing: stale when its head moved on since the review began,
 * or when it was closed meanwhile (`closed`).
 */
export type CurrentHead = { stale: true; closed?: true } | { stale: false; draft?: boolean; labels: string[] };

/**
 * Where a review's result goes, for one pull request head: the "Architecture review" check run, the
 * sticky comment and the review-type labels. What to write is decided by the caller (publish.ts,
 * review.ts); a publisher only reads and writes. Call order: `begin`, then the comment and labels
 * (after `currentHead` said the head is not stale), then `complete`, always (in a `finally`).
 */
export interface Publisher {
  /** The repository's web address, for links to files in the comment (`https://github.com/owner/repo`). */
  readonly repoUrl?: string;
  /** Starts the check run for the head (in progress); `force`: a re-run someone asked for, always a new run. */
  begin(options?: { force?: boolean }): Promise<{ checkRunUrl?: string }>;
  /** The review's verdict is known (evaluation done): a check run not started yet is created completed by `complete`. */
  verdictKnown?(): void;
  /** Our sticky comment on the PR, if there is one. */
  findComment(): Promise<ExistingComment | undefined>;
  /** Re-reads the PR: an older head's review must not overwrite a newer one's comment and labels. */
  currentHead(): Promise<CurrentHead>;
  writeComment(existing: ExistingComment | undefined, plan: CommentPlan): Promise<void>;
  /** Adds and removes labels; labels that do not exist yet are created with `descriptions[name]`. */
  applyLabels(plan: LabelPlan, descriptions: Record<string, string>): Promise<void>;
  /**
   * Completes the check run with the verdict (conclusion, title, summary, annotations 50 per request).
   * `evaluationFailed`: the result says the review could not run, so a verdict already published for
   * this head is kept. Returns the check run written, if any.
   */
  complete(result: CheckResult, options?: { evaluationFailed?: boolean }): Promise<{ checkRunId?: number }>;
}

export interface GitHubPublisherOptions {
  /** Whose comment and check runs are ours (the App's from GET /app; `github-actions` in a workflow). */
  identity: AppIdentity;
  /** Labels known to exist already (shared by the reviews of one process). */
  knownLabels?: KnownLabels;
  log?: LoggerLike;
  /** GitHub's web address (default https://github.com; a GitHub Enterprise Server's own). */
  webUrl?: string;
  /** Retries of the check run's create (see CheckRunLifecycle). */
  retry?: RetryPolicy;
  /** Check runs that could not be completed, for the next review of the PR and the sweep. */
  unfinished?: UnfinishedRuns;
  /** A new check run is created in progress this late, or once completed if the review ends sooner (see CheckRunLifecycle). */
  checkRunDelayMs?: number;
}

/** Publishes through the GitHub REST API with any token that may write checks, issues and labels. */
export class GitHubPublisher implements Publisher {
  private readonly checkRun: CheckRunLifecycle;
  private readonly repoRef: RepoRef;
  readonly repoUrl: string;

  constructor(
    private readonly octokit: Octokit,
    private readonly head: PullRequestHead,
    private readonly options: GitHubPublisherOptions,
  ) {
    this.repoRef = { owner: head.owner, repo: head.repo };
    this.repoUrl = `${(options.webUrl ?? "https://github.com").replace(/\/+$/, "")}/${head.owner}/${head.repo}`;
    this.checkRun = new CheckRunLifecycle(octokit, head, options.identity, {
      log: options.log,
      retry: options.retry,
      unfinished: options.unfinished,
      startDelayMs: options.checkRunDelayMs,
    });
  }

  begin({ force = false }: { force?: boolean } = {}): Promise<{ checkRunUrl?: string }> {
    return this.checkRun.begin(force);
  }

  verdictKnown(): void {
    this.checkRun.verdictKnown();
  }

  findComment(): Promise<ExistingComment | undefined> {
    return findStickyComment(this.octokit, this.repoRef, this.head.number, this.options.identity);
  }

  async currentHead(): Promise<CurrentHead> {
    const { data } = await this.octokit.rest.pulls.get({ ...this.repoRef, pull_number: this.head.number });
    if (data.state === "closed") return { stale: true, closed: true };
    if (data.head.sha !== this.head.headSha) return { stale: true };
    return { stale: false, ...(data.draft !== undefined ? { draft: data.draft } : {}), labels: data.labels.map((l) => l.name) };
  }

  writeComment(existing: ExistingComment | undefined, plan: CommentPlan): Promise<void> {
    return writeComment(this.octokit, this.repoRef, this.head.number, existing, plan);
  }

  applyLabels(plan: LabelPlan, descriptions: Record<string, string>): Promise<void> {
    return applyLabels(this.octokit, this.repoRef, this.head.number, plan, descriptions, this.options.knownLabels);
  }

  complete(result: CheckResult, options: { evaluationFailed?: boolean } = {}): Promise<{ checkRunId?: number }> {
    return this.checkRun.complete(result, options);
  }
}
