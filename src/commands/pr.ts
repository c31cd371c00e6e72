/**
 * `archgate pr <owner/repo#N | PR URL>`: reviews a live pull request through the App's GitHub change source,
 * with the default branch's config (and whatever the App reads from the PR), and prints the report. Writes
 * nothing unless `--post`, which publishes the comment, labels and check run exactly as the App does.
 */
import { parseArgs } from "node:util";
import type { ProbotOctokit } from "probot";
import type { EngineModules, Report } from "../engine/types.js";
import { evaluatePullRequest, type Evaluation } from "../github/evaluation.js";
import { appOctokit, DEFAULT_REQUEST_TIMEOUT_MS, describeApiError, statusOf, withRequestTimeout, type Octokit } from "../github/octokit.js";
import { GitHubPublisher } from "../github/publisher.js";
import { reviewAndPublish, targetFromPullRequest, type PullRequestTarget } from "../github/review.js";
import { runReviewLoop } from "../github/review-loop.js";

export const PR_USAGE = `Usage: archgate pr <owner/repo#N | pull request URL> [--token TOKEN] [--api-url URL]
                   [--format markdown|json|sarif] [--post [--app-slug SLUG]]

Reviews a live pull request as the GitHub App does: its files through the GitHub API, the config on
the repository's default branch (.github/archgate.yml, else the organisation's .github repository).
Prints the report; writes nothing to GitHub unless --post.

Options:
  --token TOKEN     a GitHub token that can read the repository (default: $GITHUB_TOKEN, then $GH_TOKEN)
  --api-url URL     the REST API (default: $GITHUB_API_URL, else https://<host>/api/v3 for a GitHub
                    Enterprise URL, else https://api.github.com)
  --format FORMAT   markdown (the comment the App would post), json, or sarif (default: markdown)
  --post            publish the sticky comment, labels and "Architecture review" check run as the App
                    does (check runs need a GitHub App installation token)
  --app-slug SLUG   whose earlier comment is "ours" and edited (default: archgate, i.e. archgate[bot])
  -h, --help        show this help

Exit codes: 0 no hard constraint failed, 1 a hard constraint failed, 2 the review could not run.
`;

const OPTIONS = {
  token: { type: "string" },
  "api-url": { type: "string" },
  format: { type: "string" },
  post: { type: "boolean" },
  "app-slug": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export interface PrIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** ProbotOctokit, or a test's variant of it. */
  Octokit?: typeof ProbotOctokit;
  engine?: Partial<EngineModules>;
  /** The CLI's renderer (src/cli.ts), so the output is byte for byte what `archgate check` prints. */
  render: (report: Report, format: "markdown" | "json" | "sarif", repoUrl?: string) => Promise<string>;
}

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  /** The API of the host a URL named (GitHub Enterprise), when it is not github.com. */
  apiUrl?: string;
}

/** `owner/repo#12`, `https://github.com/owner/repo/pull/12[/files]`, or a GitHub Enterprise pull request URL. */
export function parsePullRequestRef(text: string): PullRequestRef | undefined {
  const short = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)#(\d+)$/.exec(text.trim());
  if (short) return { owner: short[1]!, repo: short[2]!, number: Number(short[3]) };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  const m = /^\/([^/]+)\/([^/]+)\/pull\/(\d+)(?:\/.*)?$/.exec(url.pathname);
  if (!m || (url.protocol !== "https:" && url.protocol !== "http:")) return undefined;
  const host = url.hostname.toLowerCase();
  return {
    owner: decodeURIComponent(m[1]!),
    repo: decodeURIComponent(m[2]!),
    number: Number(m[3]),
    ...(host === "github.com" || host === "www.github.com" ? {} : { apiUrl: `${url.origin}/api/v3` }),
  };
}

export async function runPr(argv: string[], io: PrIO): Promise<number> {
  let values: { token?: string; "api-url"?: string; format?: string; post?: boolean; "app-slug"?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS }));
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  if (values.help) {
    io.stdout(PR_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    return usage(io, positionals.length === 0 ? "missing the pull request (owner/repo#N or its URL)" : `unexpected argument "${positionals[1]}"`);
  const ref = parsePullRequestRef(positionals[0]!);
  if (!ref) return usage(io, `"${positionals[0]}" is not a pull request: give owner/repo#N or https://github.com/owner/repo/pull/N`);
  const format = values.format ?? "markdown";
  if (format !== "markdown" && format !== "json" && format !== "sarif") return usage(io, `--format must be markdown, json or sarif, not "${format}"`);
  const token = values.token || io.env.GITHUB_TOKEN || io.env.GH_TOKEN;
  if (!token) return usage(io, "no token: pass --token or set GITHUB_TOKEN");
  const apiUrl = (values["api-url"] || ref.apiUrl || io.env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");

  const Base = io.Octokit ?? (await import("probot")).ProbotOctokit;
  const Client = appOctokit(Base);
  const octokit = withRequestTimeout(new Client({ auth: { token }, baseUrl: apiUrl }) as unknown as Octokit, DEFAULT_REQUEST_TIMEOUT_MS);
  const name = `${ref.owner}/${ref.repo}#${ref.number}`;
  try {
    const { data } = await octokit.rest.pulls.get({ owner: ref.owner, repo: ref.repo, pull_number: ref.number });
    const target = targetFromPullRequest(ref.owner, ref.repo, data);
    // The comment links each finding to its file at the head, as the App's does.
    const repoUrl =
      data.base.repo?.html_url ??
      (ref.apiUrl ? `${new URL(ref.apiUrl).origin}/${ref.owner}/${ref.repo}` : `https://github.com/${ref.owner}/${ref.repo}`);
    if (data.state === "closed") io.stderr(`archgate: ${name} is closed; reviewing its last head ${target.headSha.slice(0, 12)}\n`);

    if (values.post) {
      // Published as the App publishes (the same Publisher and review flow); the evaluation is kept to print it too.
      let evaluation: Evaluation | undefined;
      const identity = { slug: values["app-slug"] || "archgate" };
      const publisher = new GitHubPublisher(octokit, target, { identity });
      const outcome = await reviewAndPublish(publisher, target, async () => (evaluation = await evaluate(octokit, target, io, identity)));
      io.stderr(
        `archgate: posted to ${name}: check run ${outcome.checkRunId ?? "(unchanged)"} ${outcome.conclusion} "${outcome.title}"; comment ${outcome.comment}\n`,
      );
      if (!evaluation) return 2;
      if (!evaluation.ok) {
        io.stderr(`${evaluation.invalidConfig.error.message}\n`);
        return 2;
      }
      const report = evaluation.report;
      io.stdout(await io.render(report, format, repoUrl));
      return exitCode(report);
    }

    const evaluation = await evaluate(octokit, target, io, { slug: values["app-slug"] || "archgate" });
    if (!evaluation.ok) {
      io.stderr(`${evaluation.invalidConfig.error.message}\n`);
      return 2;
    }
    io.stdout(await io.render(evaluation.report, format, repoUrl));
    return exitCode(evaluation.report);
  } catch (error) {
    const status = statusOf(error);
    const hint =
      status === 404 ? " (no such pull request, or the token cannot read the repository)" : status === 401 ? " (the token was refused)" : "";
    io.stderr(`archgate: ${name}: ${describeApiError(error)}${hint}\n`);
    return 2;
  }
}

/** The App's evaluation, then its review loop: waivers, outcomes and approvals in the PR decide as they do for the App. */
async function evaluate(octokit: Octokit, target: PullRequestTarget, io: PrIO, app: { slug: string }): Promise<Evaluation> {
  const evaluation = await evaluatePullRequest(octokit, target, { concurrency: 8, ...(io.engine ? { engine: io.engine } : {}) });
  if (!evaluation.ok) return evaluation;
  const pr = {
    owner: target.owner,
    repo: target.repo,
    number: target.number,
    headSha: target.headSha,
    draft: target.draft,
    author: target.author ?? "",
  };
  const loop = await runReviewLoop(octokit, pr, evaluation.config, evaluation.report, app, new Date());
  return { ...evaluation, report: loop.report, existingComment: loop.existing ?? null };
}

function exitCode(report: Report): number {
  return report.conclusion === "success" ? 0 : report.conclusion === "failure" ? 1 : 2;
}

function usage(io: PrIO, message: string): number {
  io.stderr(`archgate: ${message}\n\n${PR_USAGE}`);
  return 2;
}
