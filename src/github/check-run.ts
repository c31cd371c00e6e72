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

/**
 * Creates the run: in progress, or (with `result`) already completed with the verdict, one request
 * instead of a create and an update. A result with more than 50 annotations is created in progress with
 * the first 50 and completed by `completeCheckRun` (GitHub appends annotations on each update).
 */
export async function createCheckRun(
  octokit: Octokit,
  { owner, repo }: RepoRef,
  headSha: string,
  prNumber: number,
  result?: CheckResult,
): Promise<CheckRunRef & { completed: boolean }> {
  const now = new Date().toISOString();
  const completed = result !== undefined && result.annotations.length <= ANNOTATIONS_PER_REQUEST;
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name: CHECK_NAME,
    head_sha: headSha,
    external_id: String(prNumber),
    started_at: now,
    ...(completed
      ? {
          status: "completed" as const,
          conclusion: result.conclusion,
          completed_at: now,
          output: { ...result.output, ...(result.annotations.length > 0 ? { annotations: result.annotations } : {}) },
        }
      : { status: "in_progress" as const, output: { title: "Reviewing…", summary: "archgate is reviewing this commit." } }),
  });
  return { id: data.id, ...(data.html_url ? { htmlUrl: data.html_url } : {}), completed };
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
  /**
   * How long a new run waits before it is created in progress (ARCHGATE_CHECK_RUN_DELAY_MS). A review
   * that ends sooner creates its run once, already completed: one write instead of two. 0: at once.
   */
  startDelayMs?: number | undefined;
}

/**
 * The "Architecture review" check run of one pull request head, from start to verdict. `begin` finds
 * our latest run for the head: a completed one (a redelivery, an edit) is left alone until the verdict
 * is known and only replaced if it differs; one still in progress was left by a review that did not
 * finish (reviews of one PR never overlap in a process) and is taken over; otherwise a run is created in
 * progress after `startDelayMs`, unless the verdict is known by then (`verdictKnown`, before the comment
 * and labels are written): then it is created completed, once.
 * `begin` never throws: if the run cannot be found or created, `complete` creates it with the verdict.
 * `complete` always ends with a completed run, or leaves the verdict with `unfinished` for the next
 * review of the PR and the sweep (and throws, so the delivery is marked failed).
 */
export class CheckRunLifecycle {
  private existing: ExistingCheckRun | undefined;
  private run: CheckRunRef | undefined;
  /** The in-progress create, once its delay has passed (undefined while it waits). */
  private starting: Promise<CheckRunRef | undefined> | undefined;
  private startTimer: NodeJS.Timeout | undefined;
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
    let create = false;
    try {
      const existing = force ? undefined : await findCheckRun(octokit, repoRef, head.headSha, head.number, this.app);
      this.existing = existing;
      this.run =
        existing?.status === "completed"
          ? undefined
          : existing
            ? { id: existing.id, ...(existing.htmlUrl ? { htmlUrl: existing.htmlUrl } : {}) }
            : undefined;
      create = !existing;
    } catch (error) {
      // No run yet: the review goes on, and `complete` creates the run with the verdict.
      this.options.log?.warn(
        { err: error, pr: head.number, head: head.headSha },
        "the check run could not be looked up; it is written with the verdict",
      );
      this.existing = undefined;
      this.run = undefined;
    }
    if (create) {
      const delay = this.options.startDelayMs ?? 0;
      if (delay > 0) {
        this.startTimer = setTimeout(() => void this.start(), delay);
        this.startTimer.unref?.();
      } else {
        await this.start();
      }
    }
    const checkRunUrl = this.run?.htmlUrl ?? this.existing?.htmlUrl;
    return checkRunUrl ? { checkRunUrl } : {};
  }

  /**
   * The verdict is known (only the comment and labels are left to write): a run not started yet is not
   * started in progress any more, `complete` creates it completed.
   */
  verdictKnown(): void {
    if (!this.startTimer) return;
    clearTimeout(this.startTimer);
    this.startTimer = undefined;
  }

  /** Creates the run in progress (once); a failure is logged and left to `complete`. */
  private start(): Promise<CheckRunRef | undefined> {
    this.startTimer = undefined;
    this.starting ??= this.create().then(
      (run) => (this.run = run),
      (error: unknown) => {
        this.options.log?.warn(
          { err: error, pr: this.head.number, head: this.head.headSha },
          "the check run could not be started; it is written with the verdict",
        );
        return undefined;
      },
    );
    return this.starting;
  }

  /**
   * Creates the run, in progress or (with `result`) completed. A create GitHub answered with a 5xx (or
   * not at all) may have happened anyway: before trying again, our latest run for the head is looked up
   * and taken over if it is one created since (completed with `result` when that is what was sent).
   */
  private create(result?: CheckResult): Promise<CheckRunRef & { completed?: boolean }> {
    const { octokit, head, repoRef } = this;
    const before = this.existing?.id ?? 0;
    return retrying(
      async () => {
        try {
          return await createCheckRun(octokit, repoRef, head.headSha, head.number, result);
        } catch (error) {
          if (classify(error, this.retry).kind !== "transient") throw error;
          const found = await findCheckRun(octokit, repoRef, head.headSha, head.number, this.app).catch(() => undefined);
          if (found && found.id > before && (found.status !== "completed" || (result && sameResult(found, result))))
            return { id: found.id, ...(found.htmlUrl ? { htmlUrl: found.htmlUrl } : {}), completed: found.status === "completed" };
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
    if (this.startTimer) {
      // The verdict came before the run was started: it is created once, completed.
      clearTimeout(this.startTimer);
      this.startTimer = undefined;
    } else if (this.starting !== undefined) {
      await this.starting;
    }
    const { existing } = this;
    const keepExisting = !this.run && existing !== undefined && (evaluationFailed || sameResult(existing, result));
    if (!keepExisting) {
      try {
        await this.write(result);
      } catch (error) {
        this.leaveUnfinished(result, error);
        throw error;
      }
    }
    return this.run ? { checkRunId: this.run.id } : {};
  }

  /** The verdict written: into the run there is, or a new run created with it. */
  private async write(result: CheckResult): Promise<void> {
    if (this.run) return this.finish(this.run.id, result);
    let created: CheckRunRef & { completed?: boolean };
    try {
      created = await this.create(result);
    } catch (error) {
      // Annotations rejected: the verdict is known, so create the run with it and without annotations.
      if (classify(error, this.retry).kind !== "permanent" || result.annotations.length === 0) throw error;
      this.options.log?.warn({ err: error }, "creating the completed check run failed; retrying without annotations");
      created = await this.create(withoutAnnotations(result, error));
    }
    this.run = { id: created.id, ...(created.htmlUrl ? { htmlUrl: created.htmlUrl } : {}) };
    if (!created.completed) await this.finish(created.id, result);
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
      write: () => this.write(result),
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
      await completeCheckRun(this.octokit, repoRef, runId, withoutAnnotations(result, error));
    }
  }
}

function withoutAnnotations(result: CheckResult, error: unknown): CheckResult {
  return {
    conclusion: result.conclusion,
    output: {
      title: result.output.title,
      summary: `${result.output.summary}\n\n> The annotations could not be written to this check run (${describeApiError(error)}).`,
    },
    annotations: [],
  };
}
