/**
 * The review loop on GitHub: who may decide (collaborator permission, team membership, user lists), the
 * decisions of one PR read from one comments list and at most one reviews list, review requests made
 * once per PR, and the answer to a command comment (a 👍 or a short reply). Every evaluation derives the
 * decisions again from GitHub, so replicas share no state; what the app must remember between evaluations
 * (fingerprints waivers were bound to, review types requested) is a hidden record in its own comment.
 */
import type { ArchgateConfig } from "../config/schema.js";
import { applyDecisions } from "../engine/decisions.js";
import type { Report } from "../engine/types.js";
import type { ReviewTypeId } from "../engine/vocabulary.js";
import { commentHeadSha } from "../render/markdown.js";
import type { ExistingComment } from "./comment.js";
import {
  deriveDecisions,
  isBot,
  loginsToResolve,
  type Action,
  type Authority,
  type CommentLike,
  type Response,
  type ReviewLike,
} from "./decisions.js";
import type { AppIdentity, Octokit, RepoRef } from "./octokit.js";

const PERMISSION_RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

function isNotFound(error: unknown): boolean {
  return (error as { status?: number }).status === 404;
}

/** A user's permission on the repository (`role_name` tells maintain and triage apart; `permission` folds them). */
async function permissionOf(octokit: Octokit, { owner, repo }: RepoRef, username: string): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    const role = (data as { role_name?: string }).role_name;
    return role && role in PERMISSION_RANK ? role : data.permission;
  } catch (error) {
    if (isNotFound(error)) return "none";
    throw error;
  }
}

async function isTeamMember(octokit: Octokit, team: string, username: string): Promise<boolean> {
  const [org, team_slug] = team.split("/") as [string, string];
  try {
    const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug, username });
    return data.state === "active";
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Who may decide what, for the users who need it only: one permission call each, and one membership call
 * per team that could change the answer (the authority teams for someone who issued a command and whose
 * permission does not suffice; the authority and reviewer teams for someone who approved). A lookup that
 * fails (other than 404) throws, so the review fails closed rather than tell someone they may not.
 */
export async function resolveAuthority(
  octokit: Octokit,
  repoRef: RepoRef,
  config: ArchgateConfig,
  users: { commanders: Iterable<string>; approvers: Iterable<string> },
): Promise<Authority> {
  const { authority, reviewers } = config;
  const authorityTeams = [...authority.waive.teams, ...authority.outcome.teams];
  const reviewerTeams = Object.values(reviewers).flatMap((r) => r?.teams ?? []);
  const enough = Math.max(PERMISSION_RANK[authority.waive.permission]!, PERMISSION_RANK[authority.outcome.permission]!);
  const permission = new Map<string, number>();
  const memberships = new Map<string, Set<string>>();
  const approvers = new Set([...users.approvers].map((u) => u.toLowerCase()));
  for (const login of new Set([...users.commanders, ...users.approvers])) {
    const key = login.toLowerCase();
    const rank = PERMISSION_RANK[await permissionOf(octokit, repoRef, login)] ?? 0;
    permission.set(key, rank);
    const teams = new Set([...(rank < enough ? authorityTeams : []), ...(approvers.has(key) ? [...authority.waive.teams, ...reviewerTeams] : [])]);
    const member = new Set<string>();
    for (const team of teams) if (await isTeamMember(octokit, team, login)) member.add(team.toLowerCase());
    memberships.set(key, member);
  }
  const listed = (users: string[], login: string) => users.some((u) => u.toLowerCase() === login.toLowerCase());
  const inTeams = (list: string[], login: string) => list.some((t) => memberships.get(login.toLowerCase())?.has(t.toLowerCase()));
  const may = (login: string, action: Action) => {
    const rule = authority[action];
    return listed(rule.users, login) || inTeams(rule.teams, login) || (permission.get(login.toLowerCase()) ?? 0) >= PERMISSION_RANK[rule.permission]!;
  };
  return {
    allowAuthor: authority.allowAuthor,
    may,
    describe: (action) => {
      const rule = authority[action];
      return [
        `users with ${rule.permission} permission${rule.permission === "admin" ? "" : " or more"}`,
        ...rule.teams.map((t) => `members of @${t}`),
        ...rule.users.map((u) => `@${u}`),
      ].join(", ");
    },
    writer: (login) => (permission.get(login.toLowerCase()) ?? 0) >= PERMISSION_RANK.write!,
    reviewTypesOf: (login) =>
      (Object.entries(reviewers) as Array<[ReviewTypeId, { teams: string[]; users: string[] } | undefined]>)
        .filter(([, r]) => r && (listed(r.users, login) || inTeams(r.teams, login)))
        .map(([type]) => type),
  };
}

export interface LoopPullRequest extends RepoRef {
  number: number;
  headSha: string;
  draft: boolean;
  /** The PR's author (never authorises their own waiver or outcome). */
  author: string;
}

export interface LoopResult {
  /** The report with the decisions applied. */
  report: Report;
  /** The app's sticky comment, found in the same comments list (so publishing need not list them again). */
  existing: ExistingComment | undefined;
  comments: CommentLike[];
  responses: Response[];
}

/** Reviews are read only when they can matter: a migration plan awaiting acceptance, or a required review type with reviewers. */
export function needsReviews(report: Report, config: ArchgateConfig): boolean {
  return (
    report.findings.some((f) => f.migrationPlan === "awaiting-acceptance" && !f.waived) || report.reviewTypes.some((t) => config.reviewers[t.id])
  );
}

/**
 * The decisions of one PR applied to its report: one paginated comments list, one paginated reviews list
 * when reviews can matter, and the authority of the users who issued commands or approved.
 */
export async function runReviewLoop(
  octokit: Octokit,
  pr: LoopPullRequest,
  config: ArchgateConfig,
  report: Report,
  app: AppIdentity,
  now: Date,
): Promise<LoopResult> {
  const repoRef = { owner: pr.owner, repo: pr.repo };
  const comments: CommentLike[] = await octokit.paginate(octokit.rest.issues.listComments, { ...repoRef, issue_number: pr.number, per_page: 100 });
  const reviews: ReviewLike[] = needsReviews(report, config)
    ? await octokit.paginate(octokit.rest.pulls.listReviews, { ...repoRef, pull_number: pr.number, per_page: 100 })
    : [];
  const authority = await resolveAuthority(octokit, repoRef, config, loginsToResolve(comments, reviews, app));
  const derived = deriveDecisions(comments, reviews, authority, { author: pr.author, app });
  const applied = applyDecisions(report, { ...derived, reviewers: config.reviewers, acceptedBy: config.migrationPlan.acceptedBy }, now);
  const own = derived.own;
  const existing = own
    ? { id: own.id, body: own.body ?? "", ...(commentHeadSha(own.body ?? "") ? { headSha: commentHeadSha(own.body ?? "")! } : {}) }
    : undefined;
  return { report: applied, existing, comments, responses: derived.responses };
}

/**
 * Requests the reviewers of each required review type once per PR: the review types already requested are
 * in the app's record (read from its comment), so a push does not request them again. Drafts are not
 * requested until they are ready. Returns the review types requested now (the record is updated in place).
 */
export async function requestReviewers(octokit: Octokit, pr: LoopPullRequest, config: ArchgateConfig, report: Report): Promise<ReviewTypeId[]> {
  const decisions = report.decisions;
  if (!decisions || pr.draft) return [];
  const requested: ReviewTypeId[] = [];
  for (const status of decisions.reviews) {
    if (status.satisfiedBy || decisions.record.requested.includes(status.reviewType)) continue;
    const need = config.reviewers[status.reviewType];
    if (!need) continue;
    const users = need.users.filter((u) => u.toLowerCase() !== pr.author.toLowerCase());
    // Teams of another organisation cannot review this repository's PRs; only the owner's teams are requested.
    const teams = need.teams.filter((t) => t.split("/")[0]!.toLowerCase() === pr.owner.toLowerCase()).map((t) => t.split("/")[1]!);
    if (users.length > 0 || teams.length > 0) {
      await octokit.rest.pulls.requestReviewers({ owner: pr.owner, repo: pr.repo, pull_number: pr.number, reviewers: users, team_reviewers: teams });
    }
    decisions.record.requested.push(status.reviewType);
    requested.push(status.reviewType);
  }
  return requested;
}

const replyMarker = (commentId: number) => `<!-- archgate:reply-to=${commentId} -->`;

function isApps(comment: CommentLike, app: AppIdentity): boolean {
  const via = comment.performed_via_github_app;
  if (via && ((app.id !== undefined && via.id === app.id) || (app.slug !== undefined && via.slug === app.slug))) return true;
  return app.slug !== undefined && comment.user?.login === `${app.slug}[bot]`;
}

/**
 * Answers one command comment: a 👍 reaction when its commands were accepted, a short reply (mentioning its
 * author) when one was malformed or unauthorised, or for `help`. Idempotent: an existing reaction or reply by
 * the app is never written again, so a redelivered event writes nothing.
 */
export async function respondToCommand(
  octokit: Octokit,
  repoRef: RepoRef,
  issueNumber: number,
  commentId: number,
  loop: Pick<LoopResult, "comments" | "responses">,
  app: AppIdentity,
): Promise<"reacted" | "replied" | "none"> {
  const response = loop.responses.find((r) => r.commentId === commentId);
  const comment = loop.comments.find((c) => c.id === commentId);
  if (!response || !comment || isBot(comment.user)) return "none";
  if (response.reply) {
    const marker = replyMarker(commentId);
    if (loop.comments.some((c) => isApps(c, app) && c.body?.includes(marker))) return "none";
    const body = `@${comment.user?.login} ${response.reply}\n\n${marker}`;
    await octokit.rest.issues.createComment({ ...repoRef, issue_number: issueNumber, body });
    return "replied";
  }
  if (!response.react) return "none";
  const { data } = await octokit.rest.reactions.listForIssueComment({ ...repoRef, comment_id: commentId, content: "+1", per_page: 100 });
  if (data.some((r) => r.user && isApps({ id: 0, user: r.user }, app))) return "none";
  await octokit.rest.reactions.createForIssueComment({ ...repoRef, comment_id: commentId, content: "+1" });
  return "reacted";
}
