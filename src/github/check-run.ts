import { chunk } from "../render/annotations.js";
import type { CheckResult } from "./check-result.js";
import { describeApiError, type AppIdentity, type LoggerLike, type Octokit, type RepoRef } from "./octokit.js";
import { classify, DEFAULT_RETRY_POLICY, retrying, type RetryPolicy } from "./retry.js";
import type { UnfinishedRuns } from "./unfinished.js";

export const CHECK_NAME = "Architecture review";
/** GitHub accepts at most 50 annotations per create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;

export interface CheckRunRef {
  id: number;
  htmlUrl?: string;
}

export interface ExistingCheckRun extends CheckRunRef {
  status: string;
  conclusion: string | null;
  title?: string | null;
  summary?: string | null;
  annotationsCount?: number;
  startedAt?: string | null;
}

export async function createCheckRun(octokit: Octokit, { owner, repo }: RepoRef, headSha: string, prNumber: number): Promise<CheckRunRef> {
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name: CHECK_NAME,
    head_sha: headSha,
    status: "in_progress",
    external_id: String(prNumber),
    started_at: new Date().toISOString(),
    output: { title: "Reviewing…", summary: "archgate is reviewing this commit." },
  });
  return { id: data.id, ...(data.html_url ? { htmlUrl: data.html_url } : {}) };
}

/** The app's latest check run for this PR on this commit, if any (so a redelivery creates nothing twice). */
export async function findCheckRun(
  octokit: Octokit,
  { owner, repo }: RepoRef,
  headSha: string,
  prNumber: number,
  app: AppIdentity,
): Promise<ExistingCheckRun | undefined> {
  const { data } = await octokit.rest.checks.listForRef({
    owner,
    repo,
    ref: headSha,
    check_name: CHECK_NAME,
    filter: "latest",
    per_page: 50,
    ...(app.id !== undefined ? { app_id: app.id } : {}),
  });
  const run = data.check_runs
    .filter((r) => r.external_id === String(prNumber))
    .filter((r) => app.id === undefined || r.app?.id === undefined || r.app.id === app.id)
    .sort((a, b) => b.id - a.id)[0];
  if (!run) return undefined;
  return {
    id: run.id,
    status: run.status,
    conclusion: run.conclusion,
    ...(run.html_url ? { htmlUrl: run.html_url } : {}),
    title: run.output?.title ?? null,
    summary: run.output?.summary ?? null,
    annotationsCount: run.output?.annotations_count ?? 0,
    startedAt: run.started_at ?? null,
  };
}

/** Numbers of the pull requests this app has reviewed `headSha` for (from its check runs' external_id). */
export async function pullRequestsOfCheckRuns(octokit: Octokit, { owner, repo }: RepoRef, headSha: string, app: AppIdentity): Promise<number[]> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    owner,
    repo,
    ref: headSha,
    check_name: CHECK_NAME,
    filter: "all",
    per_page: 100,
    ...(app.id !== undefined ? { app_id: app.id } : {}),
  });
  const numbers = runs
    .filter((r) => app.id === undefined || r.app?.id === undefined || r.app.id === app.id)
    .map((r) => Number(r.external_id))
    .filter((n) => Number.isInteger(n) && n > 0);
  return [...new Set(numbers)].sort((a, b) => a - b);
}

export function sameResult(existing: ExistingCheckRun, result: CheckResult): boolean {
  return (
    existing.status === "completed" &&
    existing.conclusion === result.conclusion &&
    existing.title === result.output.title &&
    (existing.summary ?? "") === result.output.summary &&
    (existing.annotationsCount ?? 0) === result.annotations.length
  );
}

/**
 * Completes a check run. Annotations go 50 per request (GitHub appends them): every batch but the last
 * in an update, the last one with the conclusion.
 */
export async function completeCheckRun(octokit: Octokit, { owner, repo }: RepoRef, runId: number, result: CheckResult): Promise<void> {
  const batches = chunk(result.annotations, ANNOTATIONS_PER_REQUEST);
  for (const batch of batches.slice(0, -1)) {
    await octokit.rest.checks.update({ owner, repo, check_run_id: runId, output: { ...result.output, annotations: batch } });
  }
  const last = batches.at(-1);
  await octokit.rest.checks.update({
    owner,
    repo,
    check_run_id: runId,
    status: "completed",
    conclusion: result.conclusion,
    completed_at: new Date().toISOString(),
    output: { ...result.output, ...(last ? { annotations: last } : {}) },
  });
}

export interface CheckRunLifecycleOptions {
  log?: LoggerLike | undefined;
  /** Retries of the create that the request layer does not repeat (a 5xx may have created the run). */
  retry?: RetryPolicy | undefined;
  /** Where a run that could not be completed is left for the next review of the PR and the sweep. */
  unfinished?: UnfinishedRuns | undefined;
}

/**
 * The "Architecture review" check run of one pull request head, from start to verdict. `begin` finds
 * our latest run for the head: a completed one (a redelivery, an edit) is left alone until the verdict
 * is known and only replaced if it differs; one still in progress was left by a review that did not
 * finish (reviews of one PR never overlap in a process) and is taken over; otherwise a run is created in
 * progress. `begin` never throws: if the run cannot be found or created, `complete` creates it with the
 * verdict. `complete` always ends with a completed run, or leaves the verdict with `unfinished` for the
 * next review of the PR and the sweep (and throws, so the delivery is marked failed).
 */
export class CheckRunLifecycle {
  private existing: ExistingCheckRun | undefined;
  private run: CheckRunRef | undefined;
  private readonly repoRef: RepoRef;

  constructor(
    private readonly octokit: Octokit,
    private readonly head: RepoRef & { number: number; headSha: string },
    private readonly app: AppIdentity,
    private readonly options: CheckRunLifecycleOptions = {},
  ) {
    this.repoRef = { owner: head.owner, repo: head.repo };
  }

  private get pullKey(): string {
    return `${this.head.owner}/${this.head.repo}#${this.head.number}`.toLowerCase();
  }

  /** `force`: a re-run someone asked for, always a new run. Returns the URL of the run the comment links to. */
  async begin(force = false): Promise<{ checkRunUrl?: string }> {
    const { octokit, head, repoRef } = this;
    // Runs of this PR an earlier review could not complete are completed first (their verdicts are known).
    await this.options.unfinished?.settle(this.pullKey);
    try {
      const existing = force ? undefined : await findCheckRun(octokit, repoRef, head.headSha, head.number, this.app);
      this.existing = existing;
      this.run =
        existing?.status === "completed"
          ? undefined
          : existing
            ? { id: existing.id, ...(existing.htmlUrl ? { htmlUrl: existing.htmlUrl } : {}) }
            : await this.create();
    } catch (error) {
      // No run yet: the review goes on, and `complete` creates the run with the verdict.
      this.options.log?.warn(
        { err: error, pr: head.number, head: head.headSha },
        "the check run could not be started; it is written with the verdict",
      );
      this.existing = undefined;
      this.run = undefined;
    }
    const checkRunUrl = this.run?.htmlUrl ?? this.existing?.htmlUrl;
    return checkRunUrl ? { checkRunUrl } : {};
  }

  /**
   * Creates the run in progress. A create GitHub answered with a 5xx (or not at all) may have happened
   * anyway: before trying again, our latest run for the head is looked up and taken over if it is one
   * in progress created since.
   */
  private create(): Promise<CheckRunRef> {
    const { octokit, head, repoRef } = this;
    const before = this.existing?.id ?? 0;
    return retrying(
      async () => {
        try {
          return await createCheckRun(octokit, repoRef, head.headSha, head.number);
        } catch (error) {
          if (classify(error, this.retry).kind !== "transient") throw error;
          const found = await findCheckRun(octokit, repoRef, head.headSha, head.number, this.app).catch(() => undefined);
          if (found && found.status !== "completed" && found.id > before)
            return { id: found.id, ...(found.htmlUrl ? { htmlUrl: found.htmlUrl } : {}) };
          throw error;
        }
      },
      this.retry,
      { transientOnly: true, log: this.options.log, what: "creating the check run" },
    );
  }

  private get retry(): RetryPolicy {
    return this.options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /**
   * Completes the run with `result`. A completed run for this head that says the same stays as it is,
   * and so does any completed verdict when `evaluationFailed` (a redelivery must not replace a real
   * verdict with "could not run"); a forced re-run always writes. Returns the run written, if any.
   */
  async complete(result: CheckResult, { evaluationFailed = false }: { evaluationFailed?: boolean } = {}): Promise<{ checkRunId?: number }> {
    const { existing } = this;
    const keepExisting = !this.run && existing !== undefined && (evaluationFailed || sameResult(existing, result));
    if (!keepExisting) {
      try {
        this.run ??= await this.create();
        await this.finish(this.run.id, result);
      } catch (error) {
        this.leaveUnfinished(result, error);
        throw error;
      }
    }
    return this.run ? { checkRunId: this.run.id } : {};
  }

  private leaveUnfinished(result: CheckResult, error: unknown): void {
    const { unfinished, log } = this.options;
    const reason = describeApiError(error);
    log?.error({ err: error, pr: this.head.number, head: this.head.headSha, runId: this.run?.id }, `the check run could not be completed: ${reason}`);
    if (!unfinished) return;
    const runId = this.run?.id;
    unfinished.add({
      pull: this.pullKey,
      headSha: this.head.headSha,
      ...(runId !== undefined ? { runId } : {}),
      result,
      reason,
      since: Date.now(),
      write: async () => {
        this.run ??= await this.create();
        await this.finish(this.run.id, result);
      },
    });
  }

  private async finish(runId: number, result: CheckResult): Promise<void> {
    const { repoRef } = this;
    try {
      await completeCheckRun(this.octokit, repoRef, runId, result);
    } catch (error) {
      // The API failing after its retries is not the annotations' fault: let the caller keep the verdict.
      if (classify(error, this.retry).kind !== "permanent") throw error;
      // Annotations rejected: the verdict is known, so complete with it and without annotations rather
      // than leave the run in progress.
      this.options.log?.warn({ err: error, runId }, "completing the check run failed; retrying without annotations");
      await completeCheckRun(this.octokit, repoRef, runId, {
        conclusion: result.conclusion,
        output: {
          title: result.output.title,
          summary: `${result.output.summary}\n\n> The annotations could not be written to this check run (${describeApiError(error)}).`,
        },
        annotations: [],
      });
    }
  }
}
