import type { Report } from "../engine/types.js";
import { redactTokens } from "../formats/source/secrets.js";
import { COMMENT_MARKER, commentHeadSha, parseCheckedItems, renderComment, renderNoReviewRequired } from "../render/markdown.js";
import { decisionsTitle, renderDecisions } from "../render/decisions.js";
import type { AppIdentity, Octokit, RepoRef } from "./octokit.js";

/** Stays under GitHub's 65,536-character limit with room for the marker and multi-byte surprises. */
export const COMMENT_MAX_LENGTH = 65_000;

export interface ExistingComment {
  id: number;
  body: string;
  /** Head SHA the comment was rendered for (from its marker). */
  headSha?: string;
}

interface IssueComment {
  id: number;
  body?: string | null;
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { id?: number; slug?: string } | null;
}

/** True when the app itself wrote the comment: a marker pasted by a person does not count. */
export function isOwnComment(comment: IssueComment, app: AppIdentity): boolean {
  if (!comment.body?.includes(COMMENT_MARKER)) return false;
  const via = comment.performed_via_github_app;
  if (via && ((app.id !== undefined && via.id === app.id) || (app.slug !== undefined && via.slug === app.slug))) return true;
  return app.slug !== undefined && comment.user?.login === `${app.slug}[bot]`;
}

/** The app's sticky comment on a PR, if there is one (the oldest, should duplicates exist). */
export async function findStickyComment(
  octokit: Octokit,
  { owner, repo }: RepoRef,
  issueNumber: number,
  app: AppIdentity,
): Promise<ExistingComment | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
  const own = comments.find((c) => isOwnComment(c, app));
  if (!own) return undefined;
  const body = own.body ?? "";
  const headSha = commentHeadSha(body);
  return { id: own.id, body, ...(headSha ? { headSha } : {}) };
}

export interface CommentPlan {
  action: "create" | "update" | "none";
  body?: string;
}

/**
 * What the sticky comment should become: nothing for a PR that never hit a trigger, "no review required
 * any more" once a later push removes every trigger, otherwise the rendered review with earlier ticks
 * kept. No write when the body would not change.
 */
export function planComment(
  report: Report,
  existing: ExistingComment | undefined,
  options: { draft?: boolean; configPreview?: string; checkRunUrl?: string; repoUrl?: string },
): CommentPlan {
  const checked = existing ? parseCheckedItems(existing.body) : new Set<string>();
  // The review loop's decisions, with the app's hidden record (waiver bindings, review types requested).
  const markdown = renderDecisions(report, { checked, record: true });
  // What the decisions add to the verdict line: who stopped the PR, which review or acceptance it awaits.
  const verdict = report.conclusion === "failure" ? decisionsTitle(report, { constraints: false }) : undefined;
  const decisions = markdown || verdict ? { ...(verdict ? { verdict } : {}), ...(markdown ? { markdown } : {}) } : undefined;
  let body: string;
  if (report.triggers.length === 0 && (existing || !decisions)) {
    if (!existing) return { action: "none" };
    body = renderNoReviewRequired(report, { ...(options.repoUrl ? { repoUrl: options.repoUrl } : {}), ...(decisions ? { decisions } : {}) });
  } else {
    body = renderComment(report, {
      checked,
      draft: options.draft ?? false,
      maxLength: COMMENT_MAX_LENGTH,
      ...(options.configPreview ? { configPreview: options.configPreview } : {}),
      ...(options.checkRunUrl ? { checkRunUrl: options.checkRunUrl } : {}),
      ...(options.repoUrl ? { repoUrl: options.repoUrl } : {}),
      ...(decisions ? { decisions } : {}),
    });
  }
  // A token committed as part of a path must not be published with it.
  body = redactTokens(body);
  if (existing && sameBody(existing.body, body)) return { action: "none" };
  return { action: existing ? "update" : "create", body };
}

/** GitHub normalises line endings of comment bodies. */
function sameBody(a: string, b: string): boolean {
  return a.replace(/\r\n/g, "\n").trimEnd() === b.replace(/\r\n/g, "\n").trimEnd();
}

export async function writeComment(
  octokit: Octokit,
  { owner, repo }: RepoRef,
  issueNumber: number,
  existing: ExistingComment | undefined,
  plan: CommentPlan,
): Promise<void> {
  if (plan.action === "create") {
    await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: plan.body! });
  } else if (plan.action === "update") {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing!.id, body: plan.body! });
  }
}
