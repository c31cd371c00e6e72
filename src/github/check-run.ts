import type { ConfigError } from "../config/load.js";
import type { Report } from "../engine/types.js";
import { chunk, renderAnnotations, type Annotation } from "../render/annotations.js";
import { code, renderCheckRun } from "../render/markdown.js";
import type { AppIdentity, Octokit, RepoRef } from "./octokit.js";

export const CHECK_NAME = "Architecture review";
/** GitHub accepts at most 50 annotations per create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's limit for `output.summary` and `output.text`. */
export const CHECK_OUTPUT_LIMIT = 65_535;

export interface CheckResult {
  conclusion: "success" | "failure";
  output: { title: string; summary: string; text?: string };
  annotations: Annotation[];
}

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

/** The gate's verdict on a report: failure for unwaived errors and for reviews that could not run. */
export function resultFromReport(report: Report, extraNotes: string[] = []): CheckResult {
  const output = renderCheckRun(report, CHECK_OUTPUT_LIMIT - 2_000);
  const summary = extraNotes.length > 0 ? `${output.summary}\n\n${extraNotes.map((n) => `> ${n}`).join("\n")}` : output.summary;
  return {
    conclusion: report.conclusion === "success" ? "success" : "failure",
    output: { title: output.title, summary, ...(output.text ? { text: output.text } : {}) },
    annotations: renderAnnotations(report),
  };
}

/** An invalid config fails the check, with annotations at the offending lines when the file is in this repository. */
export function resultFromConfigError(error: ConfigError, file: { path: string }, inRepository: boolean): CheckResult {
  const shown = error.issues.slice(0, 50);
  const summary = [
    `The archgate configuration is invalid, so this pull request was not reviewed. Fix the config on the default branch; the check fails until then.`,
    "",
    ...shown.map((i) => `- ${code(`${i.file}:${i.line}:${i.column}`)} ${i.key ? `${code(i.key)}: ` : ""}${i.message}`),
    ...(error.issues.length > shown.length ? [`- …and ${error.issues.length - shown.length} more`] : []),
  ].join("\n");
  return {
    conclusion: "failure",
    output: { title: `Configuration error: ${error.issues[0]?.file ?? file.path} is invalid`, summary: summary.slice(0, CHECK_OUTPUT_LIMIT) },
    // Only issues located in the repository's own file can be annotated (not those of an org or extended file).
    annotations: inRepository
      ? error.issues.filter((i) => i.file === file.path).map((i) => ({
          path: file.path,
          start_line: i.line,
          end_line: i.line,
          annotation_level: "failure" as const,
          title: "Invalid archgate configuration",
          message: `${i.key ? `${i.key}: ` : ""}${i.message}`,
        }))
      : [],
  };
}

/** The review could not run (API failure, timeout, rate limit, a bug): fail closed and say why. */
export function resultFromEvaluationError(reason: string): CheckResult {
  return {
    conclusion: "failure",
    output: {
      title: `Review could not run: ${reason}`.slice(0, 200),
      summary: [
        `archgate could not complete the architecture review of this commit: ${reason}.`,
        "",
        "The check fails closed: a review that did not run never passes. Re-run the check once the cause is gone, or review this change by hand.",
      ].join("\n"),
    },
    annotations: [],
  };
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
export async function findCheckRun(octokit: Octokit, { owner, repo }: RepoRef, headSha: string, prNumber: number, app: AppIdentity): Promise<ExistingCheckRun | undefined> {
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
