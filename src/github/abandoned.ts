import { resultFromEvaluationError } from "./check-result.js";
import { completeCheckRun, createCheckRun, findCheckRun } from "./check-run.js";
import type { AppIdentity, Octokit } from "./octokit.js";
import type { VerifiedDelivery } from "./webhooks.js";

/** The pull request and head a delivery is about, when it names them (or names the PR, whose head is read). */
async function targetOf(
  octokit: Octokit,
  delivery: VerifiedDelivery,
): Promise<{ owner: string; repo: string; number: number; headSha: string } | undefined> {
  const payload = delivery.payload as {
    repository?: { name?: string; owner?: { login?: string } };
    pull_request?: { number?: number; head?: { sha?: string } };
    check_run?: { head_sha?: string; external_id?: string; pull_requests?: Array<{ number?: number }> };
    issue?: { number?: number; pull_request?: unknown };
  };
  const owner = payload.repository?.owner?.login;
  const repo = payload.repository?.name;
  if (!owner || !repo) return undefined;
  if (payload.pull_request?.number && payload.pull_request.head?.sha)
    return { owner, repo, number: payload.pull_request.number, headSha: payload.pull_request.head.sha };
  const run = payload.check_run;
  const number = run ? Number(run.external_id) || run.pull_requests?.[0]?.number : undefined;
  if (run?.head_sha && number) return { owner, repo, number, headSha: run.head_sha };
  if (payload.issue?.pull_request && payload.issue.number) {
    const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: payload.issue.number });
    return { owner, repo, number: data.number, headSha: data.head.sha };
  }
  return undefined;
}

/**
 * A queued delivery given up for good (Redis mode: its handler failed every attempt, or its worker died
 * more often than allowed): the check run of its PR head must not stay in progress, nor be missing. Our
 * run for that head, if not completed, is completed as failure naming why; if there is none, one is
 * created that way. A completed run is left alone (a later review finished it).
 */
export async function completeAbandoned(octokit: Octokit, identity: AppIdentity, delivery: VerifiedDelivery, reason: string): Promise<boolean> {
  const target = await targetOf(octokit, delivery);
  if (!target) return false;
  const ref = { owner: target.owner, repo: target.repo };
  const existing = await findCheckRun(octokit, ref, target.headSha, target.number, identity);
  if (existing?.status === "completed") return false;
  const runId = existing?.id ?? (await createCheckRun(octokit, ref, target.headSha, target.number)).id;
  await completeCheckRun(octokit, ref, runId, resultFromEvaluationError(`the review was given up after repeated failures (${reason})`));
  return true;
}
