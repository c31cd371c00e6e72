/**
 * The GitHub Action (action.yml): reviews the pull request of the triggering `pull_request` /
 * `pull_request_target` event through the App's GitHub Change source and Publisher, with the workflow's
 * token. No checkout is needed: everything is read through the API (GITHUB_API_URL, so GitHub Enterprise
 * works too).
 *
 * Always: a job summary (GITHUB_STEP_SUMMARY), the outputs (GITHUB_OUTPUT), the SARIF file when asked.
 * With a token that may write: the "Architecture review" check run, the sticky comment (found by its marker
 * and its author github-actions[bot]: a workflow token may not call GET /app), the review-type labels.
 * With a read-only token (a fork's pull_request event): it says so once and falls back to the summary,
 * workflow-command annotations and the exit code.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { ProbotOctokit } from "probot";
import type { EngineModules, Report } from "../engine/types.js";
import type { CheckResult } from "../github/check-result.js";
import { evaluatePullRequest, type Evaluation } from "../github/evaluation.js";
import {
  appOctokit,
  DEFAULT_REQUEST_TIMEOUT_MS,
  describeApiError,
  statusOf,
  withRequestTimeout,
  type AppIdentity,
  type LoggerLike,
  type Octokit,
} from "../github/octokit.js";
import { GitHubPublisher, type Publisher } from "../github/publisher.js";
import { reviewAndPublish, targetFromPullRequest } from "../github/review.js";
import { renderComment } from "../render/markdown.js";
import { sarifLog } from "../report-sarif.js";

/** Whose comment and check runs are ours when running with the workflow's GITHUB_TOKEN. */
export const WORKFLOW_IDENTITY: AppIdentity = { slug: "github-actions" };

export type FailOn = "error" | "warning" | "never";

export interface ActionInputs {
  token: string;
  /** The config file's path in the repository, read from the default branch. */
  config: string;
  failOn: FailOn;
  comment: boolean;
  /** Where to write SARIF (relative to GITHUB_WORKSPACE); empty for none. */
  sarif: string;
}

export interface ActionIO {
  env: Record<string, string | undefined>;
  /** The runner reads workflow commands (`::error …::`) from stdout. */
  stdout: (text: string) => void;
  /** ProbotOctokit, or a test's variant of it (no retries). */
  Octokit: typeof ProbotOctokit;
  /** Triggers and rules instead of the built-in ones (tests). */
  engine?: Partial<EngineModules>;
}

export class ActionError extends Error {}

/** `INPUT_<NAME>` as the runner sets it: the input's name upper-cased, spaces as underscores, hyphens kept. */
export function input(env: ActionIO["env"], name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

export function readInputs(env: ActionIO["env"]): ActionInputs {
  const token = input(env, "token") || env.GITHUB_TOKEN || "";
  if (!token) throw new ActionError("no token: set the `token` input (default `${{ github.token }}`) or GITHUB_TOKEN");
  const failOn = (input(env, "fail-on") || "error").toLowerCase();
  if (failOn !== "error" && failOn !== "warning" && failOn !== "never") {
    throw new ActionError(`input fail-on must be error, warning or never, not "${failOn}"`);
  }
  const comment = (input(env, "comment") || "true").toLowerCase();
  if (!["true", "false"].includes(comment)) throw new ActionError(`input comment must be true or false, not "${comment}"`);
  return { token, config: input(env, "config"), failOn, comment: comment === "true", sarif: input(env, "sarif") };
}

interface EventRepository {
  full_name?: string;
  name?: string;
  owner?: { login?: string };
}

function fullNameOf(repo: EventRepository | null | undefined): string | undefined {
  return repo?.full_name ?? (repo?.owner?.login && repo.name ? `${repo.owner.login}/${repo.name}` : undefined);
}

interface PullRequestPayload {
  number: number;
  title: string;
  body?: string | null;
  draft?: boolean;
  changed_files?: number;
  head: { sha: string; repo?: EventRepository | null };
  base: { sha: string; repo?: EventRepository | null };
  labels?: Array<{ name?: string }>;
}

/** The pull request of the triggering event, from GITHUB_EVENT_PATH. */
export function pullRequestOfEvent(env: ActionIO["env"]): { owner: string; repo: string; pr: PullRequestPayload; event: string } {
  const event = env.GITHUB_EVENT_NAME ?? "";
  if (event !== "pull_request" && event !== "pull_request_target") {
    throw new ActionError(`archgate reviews pull requests: run it on pull_request or pull_request_target, not on ${event || "this event"}`);
  }
  const path = env.GITHUB_EVENT_PATH;
  if (!path) throw new ActionError("GITHUB_EVENT_PATH is not set: the event payload cannot be read");
  let payload: { pull_request?: PullRequestPayload; repository?: { full_name?: string } };
  try {
    payload = JSON.parse(readFileSync(path, "utf8")) as typeof payload;
  } catch (error) {
    throw new ActionError(`the event payload ${path} cannot be read: ${(error as Error).message}`);
  }
  const pr = payload.pull_request;
  if (!pr?.head?.sha || !pr.base?.sha) throw new ActionError(`the ${event} event payload has no pull_request with head and base commits`);
  const fullName = env.GITHUB_REPOSITORY || payload.repository?.full_name || "";
  const [owner, repo] = fullName.split("/");
  if (!owner || !repo) throw new ActionError("GITHUB_REPOSITORY is not set to owner/name");
  return { owner, repo, pr, event };
}

/** A `pull_request` event from a fork runs with a read-only token (pull_request_target does not). */
export function isForkWithReadOnlyToken(event: string, owner: string, repo: string, pr: PullRequestPayload): boolean {
  if (event !== "pull_request") return false;
  // A deleted fork leaves head.repo null.
  const head = fullNameOf(pr.head.repo);
  return head === undefined || head.toLowerCase() !== `${owner}/${repo}`.toLowerCase();
}

/** A publisher that leaves the sticky comment alone (input `comment: false`): check run and labels only. */
class NoCommentPublisher implements Publisher {
  constructor(private readonly inner: Publisher) {}
  begin(options?: { force?: boolean }) {
    return this.inner.begin(options);
  }
  async findComment() {
    return undefined;
  }
  currentHead() {
    return this.inner.currentHead();
  }
  async writeComment() {}
  applyLabels(...args: Parameters<Publisher["applyLabels"]>) {
    return this.inner.applyLabels(...args);
  }
  complete(result: CheckResult, options?: { evaluationFailed?: boolean }) {
    return this.inner.complete(result, options);
  }
}

export interface ActionResult {
  exitCode: number;
  conclusion: "success" | "failure" | "error";
  /** The check run and comment were written (false: the read-only fallback). */
  published: boolean;
}

/** Runs the Action; returns the exit code (never throws for an expected failure). */
export async function runAction(io: ActionIO): Promise<ActionResult> {
  const { env } = io;
  const say = (text: string) => io.stdout(`${text}\n`);
  const log: LoggerLike = {
    info: (_obj, msg) => msg && say(msg),
    warn: (obj, msg) => say(`::warning::${escapeData(`${msg ?? ""}${errorSuffix(obj)}`)}`),
    error: (obj, msg) => say(`::error::${escapeData(`${msg ?? ""}${errorSuffix(obj)}`)}`),
  };
  let inputs: ActionInputs;
  let target: ReturnType<typeof pullRequestOfEvent>;
  try {
    inputs = readInputs(env);
    target = pullRequestOfEvent(env);
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    say(`::error title=archgate::${escapeData(error.message)}`);
    writeSummary(env, `## Architecture review\n\n:x: archgate could not run: ${error.message}\n`);
    return { exitCode: 1, conclusion: "error", published: false };
  }
  const { owner, repo, pr, event } = target;
  const baseUrl = (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");
  const Octokit = appOctokit(io.Octokit);
  const octokit = withRequestTimeout(new Octokit({ auth: { token: inputs.token }, baseUrl }) as unknown as Octokit, DEFAULT_REQUEST_TIMEOUT_MS);
  const snapshot = targetFromPullRequest(owner, repo, pr);
  const evaluate = () =>
    evaluatePullRequest(octokit, snapshot, {
      concurrency: 8,
      ...(io.engine ? { engine: io.engine } : {}),
      ...(inputs.config ? { configPath: inputs.config } : {}),
    });

  let evaluation: Evaluation | undefined;
  let evaluationError: string | undefined;
  let published = false;
  let readOnlyReason = isForkWithReadOnlyToken(event, owner, repo, pr)
    ? `this pull request comes from a fork (${fullNameOf(pr.head.repo) ?? "a deleted repository"}), so the workflow's token is read-only`
    : undefined;

  if (!readOnlyReason) {
    const github = new GitHubPublisher(octokit, snapshot, { identity: WORKFLOW_IDENTITY, log });
    const publisher = inputs.comment ? github : new NoCommentPublisher(github);
    try {
      await reviewAndPublish(publisher, snapshot, async () => (evaluation = await evaluate()), { log });
      published = true;
    } catch (error) {
      // The check run could not even be started: a token without `checks: write` (or a fork's).
      if (statusOf(error) !== 403 && statusOf(error) !== 404) throw error;
      readOnlyReason = `the token may not write check runs (${describeApiError(error)}); give the job \`checks: write\`, \`pull-requests: write\` and \`issues: write\``;
    }
  }
  if (readOnlyReason) {
    say(
      `::notice title=archgate::${escapeData(`No check run or comment: ${readOnlyReason}. The results are in the job summary, the annotations and the exit code.`)}`,
    );
    try {
      evaluation ??= await evaluate();
    } catch (error) {
      evaluationError = describeApiError(error);
    }
  } else if (!evaluation) {
    evaluationError = "the review could not run (see the check run)";
  }

  // Outputs, summary, SARIF, annotations, exit code.
  if (!evaluation || evaluationError) {
    const reason = evaluationError ?? "the review could not run";
    say(`::error title=archgate::${escapeData(reason)}`);
    writeSummary(env, `## Architecture review\n\n:x: The review could not run: ${reason}. The gate fails closed.\n`);
    setOutputs(env, { conclusion: "error", "review-types": "", triggers: "", findings: "0" });
    return { exitCode: inputs.failOn === "never" ? 0 : 1, conclusion: "error", published };
  }
  if (!evaluation.ok) {
    const { error } = evaluation.invalidConfig;
    for (const issue of error.issues) {
      say(
        `::error file=${escapeProperty(issue.file)},line=${issue.line},col=${issue.column},title=${escapeProperty("Invalid archgate configuration")}::${escapeData(`${issue.key ? `${issue.key}: ` : ""}${issue.message}`)}`,
      );
    }
    writeSummary(
      env,
      [
        "## Architecture review",
        "",
        ":x: The archgate configuration is invalid, so this pull request was not reviewed:",
        "",
        ...error.issues.map((i) => `- \`${i.file}:${i.line}:${i.column}\` ${i.key ? `\`${i.key}\`: ` : ""}${i.message}`),
        "",
      ].join("\n"),
    );
    setOutputs(env, { conclusion: "error", "review-types": "", triggers: "", findings: "0" });
    return { exitCode: inputs.failOn === "never" ? 0 : 1, conclusion: "error", published };
  }

  const report = evaluation.report;
  if (!published) {
    for (const line of annotationCommands(report)) say(line);
  }
  writeSummary(env, summaryMarkdown(report, evaluation.configPreview));
  if (inputs.sarif) {
    const path = isAbsolute(inputs.sarif) ? inputs.sarif : resolve(env.GITHUB_WORKSPACE || process.cwd(), inputs.sarif);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(sarifLog(report, io.engine), null, 2)}\n`);
    say(`archgate: SARIF written to ${path}`);
  }
  const unwaived = report.findings.filter((f) => !f.waived);
  setOutputs(env, {
    conclusion: report.conclusion,
    "review-types": report.reviewTypes.map((t) => t.id).join(","),
    triggers: report.triggers.map((t) => t.id).join(","),
    findings: String(unwaived.length),
  });
  say(
    `archgate: ${report.conclusion}; review types: ${report.reviewTypes.map((t) => t.id).join(", ") || "none"}; ${unwaived.length} finding(s)` +
      (published ? "" : " (not published on the pull request)"),
  );
  const fails =
    inputs.failOn === "never"
      ? false
      : report.conclusion !== "success" || (inputs.failOn === "warning" && unwaived.some((f) => f.severity === "warning"));
  return { exitCode: fails ? 1 : 0, conclusion: report.conclusion, published };
}

/** The job summary: the comment as the PR would show it. */
function summaryMarkdown(report: Report, configPreview: string | undefined): string {
  if (report.triggers.length === 0 && report.findings.length === 0 && report.problems.length === 0) {
    return "## Architecture review\n\n:white_check_mark: No review trigger hit and no hard constraint violated.\n";
  }
  return `${renderComment(report, { maxLength: 1_000_000, ...(configPreview ? { configPreview } : {}) })}\n`;
}

/** `::error file=…,line=…::` for each finding (warnings for warnings and waived ones) and each located problem. */
export function annotationCommands(report: Report): string[] {
  const lines = report.findings.map((f) => {
    const level = f.severity === "error" && !f.waived ? "error" : "warning";
    const props = [`file=${escapeProperty(f.file)}`, `line=${f.line ?? 1}`, ...(f.endLine ? [`endLine=${f.endLine}`] : [])];
    props.push(`title=${escapeProperty(`${f.id} ${f.title}${f.waived ? " (waived)" : ""}`)}`);
    return `::${level} ${props.join(",")}::${escapeData(f.remediation ? `${f.message}\n\nFix: ${f.remediation}` : f.message)}`;
  });
  for (const p of report.problems) {
    const props = p.file ? [`file=${escapeProperty(p.file)}`, `line=${p.line ?? 1}`] : [];
    props.push(`title=${escapeProperty("archgate could not review this")}`);
    lines.push(`::error ${props.join(",")}::${escapeData(p.message)}`);
  }
  return lines;
}

function writeSummary(env: ActionIO["env"], markdown: string): void {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
}

/** Outputs in GITHUB_OUTPUT's multi-line form (`name<<DELIMITER`), safe for any value. */
function setOutputs(env: ActionIO["env"], outputs: Record<string, string>): void {
  if (!env.GITHUB_OUTPUT) return;
  const delimiter = `archgate_${Math.random().toString(36).slice(2)}`;
  appendFileSync(
    env.GITHUB_OUTPUT,
    Object.entries(outputs)
      .map(([name, value]) => `${name}<<${delimiter}\n${value}\n${delimiter}\n`)
      .join(""),
  );
}

/** Workflow-command escaping (as @actions/core does). */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function errorSuffix(obj: unknown): string {
  const err = (obj as { err?: unknown })?.err;
  return err ? `: ${describeApiError(err)}` : "";
}
