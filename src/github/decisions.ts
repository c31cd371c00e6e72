/**
 * The review loop's commands and decisions as the PR holds them: `/archgate` commands in comments and
 * approving reviews. Pure: fed by one comments list and one reviews list per evaluation, plus who may
 * decide what (resolved through the API beforehand, see review-loop.ts). Nothing here is stored: every
 * evaluation derives the decisions again, so replicas share no state.
 */
import {
  decodeRecord,
  OUTCOMES,
  type Approval,
  type Condition,
  type DecisionRecord,
  type OutcomeDecision,
  type OutcomeKind,
  type WaiverDecision,
} from "../engine/decisions.js";
import { REVIEW_TYPE_IDS, type ReviewTypeId } from "../engine/vocabulary.js";
import { REVIEW_LOOP_DOCS_URL } from "../render/decisions.js";
import { isOwnComment } from "./comment.js";
import type { AppIdentity } from "./octokit.js";

export type Command =
  | { kind: "waive"; line: number; target: string; until?: string; reason: string }
  | { kind: "unwaive"; line: number; target: string }
  | { kind: "outcome"; line: number; outcome: OutcomeKind; reason?: string; reviewTypes?: ReviewTypeId[]; conditions: Condition[] }
  | { kind: "recheck"; line: number }
  | { kind: "help"; line: number };

export interface CommandError {
  line: number;
  text: string;
  message: string;
  syntax: string;
}

export const SYNTAX = {
  waive: "/archgate waive <ID|rule-id> [until YYYY-MM-DD] reason: <text>",
  unwaive: "/archgate unwaive <ID|rule-id>",
  outcome: `/archgate outcome <${OUTCOMES.join("|")}> [for <review-type>,…] [reason: <text>]`,
  condition: "- <text> owner: @login due: YYYY-MM-DD evidence: <text>   (or gate: launch instead of due:)",
  recheck: "/archgate recheck",
  help: "/archgate help",
} as const;

const COMMAND = /^\/archgate(?:\s+|$)(.*)$/i;
const TARGET = /^(?:[A-Za-z]+-[0-9a-f]{6,}|[a-z][a-z0-9-]*)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** True when a line of the body is an `/archgate` command (so a comment without one costs nothing). */
export function hasCommand(body: string | null | undefined): boolean {
  if (!body || !/\/archgate/i.test(body)) return false;
  const { commands, errors } = parseCommands(body);
  return commands.length + errors.length > 0;
}

/**
 * The commands of one comment, one per line (`/archgate <keyword> …`, keyword case-insensitive), with
 * the condition lines that follow `accepted-with-conditions`. Lines in code blocks and quoted lines are
 * not commands. A malformed command is an error carrying the right syntax.
 */
export function parseCommands(body: string): { commands: Command[]; errors: CommandError[] } {
  const commands: Command[] = [];
  const errors: CommandError[] = [];
  const lines = body.split(/\r?\n/);
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const text = raw.trim();
    const fenceMatch = /^(```|~~~)/.exec(text);
    if (fenceMatch) {
      if (fence === undefined) fence = fenceMatch[1];
      else if (text.startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const m = COMMAND.exec(text);
    if (!m) continue;
    const line = i + 1;
    const rest = m[1]!.trim();
    const keyword = (/^\S+/.exec(rest)?.[0] ?? "").toLowerCase();
    const args = rest.slice(keyword.length).trim();
    const fail = (message: string, syntax: string) => errors.push({ line, text, message, syntax });
    switch (keyword) {
      case "waive": {
        const w = /^(\S+)(?:\s+until\s+(\S+))?\s+reason:\s*(.*)$/i.exec(args);
        if (!w) {
          fail(/reason:/i.test(args) ? "say which finding or rule to waive" : "a waiver needs a reason", SYNTAX.waive);
          break;
        }
        const [, target, until, reason] = w;
        if (!TARGET.test(target!)) fail(`"${target}" is neither a finding id (like DATA-f841a5) nor a rule id`, SYNTAX.waive);
        else if (until !== undefined && !validDate(until)) fail(`"${until}" is not a date (YYYY-MM-DD)`, SYNTAX.waive);
        else if (!reason!.trim()) fail("a waiver needs a reason", SYNTAX.waive);
        else commands.push({ kind: "waive", line, target: target!, ...(until ? { until } : {}), reason: reason!.trim() });
        break;
      }
      case "unwaive": {
        if (!TARGET.test(args))
          fail(args ? `"${args}" is neither a finding id nor a rule id` : "say which finding or rule to unwaive", SYNTAX.unwaive);
        else commands.push({ kind: "unwaive", line, target: args });
        break;
      }
      case "outcome": {
        const o = /^(\S+)(?:\s+for\s+([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*))?(?:\s+reason:\s*(.*))?$/i.exec(args);
        const outcome = o?.[1]?.toLowerCase() as OutcomeKind | undefined;
        if (!o || !outcome || !OUTCOMES.includes(outcome)) {
          fail(o?.[1] ? `"${o[1]}" is not an outcome` : "say which outcome", SYNTAX.outcome);
          break;
        }
        const types = o[2]?.split(",").map((t) => t.trim().toLowerCase());
        const unknown = types?.find((t) => !(REVIEW_TYPE_IDS as readonly string[]).includes(t));
        if (unknown) {
          fail(`"${unknown}" is not a review type (${REVIEW_TYPE_IDS.join(", ")})`, SYNTAX.outcome);
          break;
        }
        const conditions: Condition[] = [];
        let bad = false;
        while (i + 1 < lines.length && /^\s*[-*]\s+/.test(lines[i + 1]!) && outcome === "accepted-with-conditions") {
          i++;
          const condition = parseCondition(lines[i]!.trim().replace(/^[-*]\s+(\[[ xX]\]\s+)?/, ""));
          if (typeof condition === "string") {
            errors.push({ line: i + 1, text: lines[i]!.trim(), message: condition, syntax: SYNTAX.condition });
            bad = true;
          } else conditions.push(condition);
        }
        if (bad) break;
        if (outcome === "accepted-with-conditions" && conditions.length === 0) {
          fail("accepted-with-conditions needs at least one condition line after it", `${SYNTAX.outcome}\n${SYNTAX.condition}`);
          break;
        }
        const reason = o[3]?.trim();
        commands.push({
          kind: "outcome",
          line,
          outcome,
          ...(reason ? { reason } : {}),
          ...(types ? { reviewTypes: [...new Set(types)] as ReviewTypeId[] } : {}),
          conditions,
        });
        break;
      }
      case "recheck":
      case "help":
        if (args) fail(`${keyword} takes no arguments`, SYNTAX[keyword]);
        else commands.push({ kind: keyword, line });
        break;
      default:
        fail(keyword ? `unknown command "${keyword}"` : "no command given", Object.values(SYNTAX).join("\n"));
    }
  }
  return { commands, errors };
}

/** `<text> owner: @login due: YYYY-MM-DD evidence: <text>` (or `gate: <name>`); a string says what is wrong. */
export function parseCondition(line: string): Condition | string {
  const fields = /\b(owner|due|gate|evidence):/gi;
  const marks = [...line.matchAll(fields)];
  const text = line.slice(0, marks[0]?.index ?? line.length).trim();
  const values: Record<string, string> = {};
  marks.forEach((mark, k) => {
    const end = marks[k + 1]?.index ?? line.length;
    values[mark[1]!.toLowerCase()] = line.slice(mark.index! + mark[0].length, end).trim();
  });
  if (!text) return "a condition needs a description before its fields";
  if (!values.owner || !/^@?[A-Za-z0-9][A-Za-z0-9/-]*$/.test(values.owner)) return "a condition needs an owner (owner: @login)";
  if (values.due !== undefined && !validDate(values.due)) return `"${values.due}" is not a date (YYYY-MM-DD)`;
  if (!values.due && !values.gate) return "a condition needs a due date (due: YYYY-MM-DD) or a gate (gate: launch)";
  if (!values.evidence) return "a condition needs the evidence that closes it (evidence: <text>)";
  return {
    text,
    owner: values.owner.replace(/^@/, ""),
    ...(values.due ? { due: values.due } : {}),
    ...(values.gate ? { gate: values.gate } : {}),
    evidence: values.evidence,
  };
}

export interface CommentLike {
  id: number;
  body?: string | null;
  user?: { login?: string; type?: string } | null;
  performed_via_github_app?: { id?: number; slug?: string } | null;
  created_at?: string;
  updated_at?: string;
  html_url?: string;
}

export interface ReviewLike {
  id: number;
  user?: { login?: string; type?: string } | null;
  state?: string;
  commit_id?: string | null;
  submitted_at?: string | null;
}

export type Action = "waive" | "outcome";

/** Who may decide what, resolved before deriving (review-loop.ts asks the API only about the logins that need it). */
export interface Authority {
  allowAuthor: boolean;
  may(login: string, action: Action): boolean;
  /** Who may, in words, for the reply to an unauthorised command. */
  describe(action: Action): string;
  /** Write permission or more on the repository. */
  writer(login: string): boolean;
  /** Review types whose `reviewers` this user belongs to. */
  reviewTypesOf(login: string): ReviewTypeId[];
}

/** What the app answers to one command comment: a 👍, or a short reply (malformed, unauthorised, help). */
export interface Response {
  commentId: number;
  react: boolean;
  reply?: string;
}

export interface Derived {
  waivers: WaiverDecision[];
  outcome?: OutcomeDecision;
  approvals: Approval[];
  /** What the app recorded in its own comment at earlier evaluations. */
  recorded: DecisionRecord;
  /** The app's sticky comment, found in the same list. */
  own?: CommentLike;
  responses: Response[];
}

export function isBot(user: CommentLike["user"]): boolean {
  return user?.type === "Bot" || !!user?.login?.endsWith("[bot]");
}

/** A comment edited after it was posted: GitHub keeps no history of the original, so it never counts. */
export function isEdited(comment: CommentLike): boolean {
  return !!comment.updated_at && !!comment.created_at && comment.updated_at !== comment.created_at;
}

/**
 * Logins whose authority must be resolved: authors of waive/unwaive/outcome commands, and reviewers whose
 * latest review approves.
 */
export function loginsToResolve(
  comments: readonly CommentLike[],
  reviews: readonly ReviewLike[],
  app: AppIdentity,
): { commanders: Set<string>; approvers: Set<string> } {
  const commanders = new Set<string>();
  for (const c of comments) {
    if (isBot(c.user) || isOwnComment(c, app) || isEdited(c) || !c.user?.login || !c.body?.includes("/")) continue;
    const parsed = parseCommands(c.body);
    if (parsed.commands.some((x) => x.kind === "waive" || x.kind === "unwaive" || x.kind === "outcome")) commanders.add(c.user.login);
  }
  const approvers = new Set(latestApprovals(reviews).map((a) => a.user!.login!));
  return { commanders, approvers };
}

/** Each reviewer's latest review that approves or requests changes or was dismissed, kept when it approves. */
function latestApprovals(reviews: readonly ReviewLike[]): ReviewLike[] {
  const latest = new Map<string, ReviewLike>();
  const ordered = [...reviews].sort((a, b) => (a.submitted_at ?? "").localeCompare(b.submitted_at ?? "") || a.id - b.id);
  for (const r of ordered) {
    const login = r.user?.login;
    if (!login || isBot(r.user)) continue;
    const state = (r.state ?? "").toUpperCase();
    if (state === "APPROVED" || state === "CHANGES_REQUESTED" || state === "DISMISSED") latest.set(login, r);
  }
  return [...latest.values()].filter((r) => (r.state ?? "").toUpperCase() === "APPROVED");
}

/**
 * The decisions a PR holds, from its comments (oldest first, as GitHub lists them) and reviews. Bots
 * (the app included) never issue commands; edited comments do not count; a deleted comment is simply
 * not in the list any more. The PR's author decides nothing about their own PR unless `allowAuthor`.
 * The app's record is read only from the app's own comment, so a pasted marker gains nothing.
 */
export function deriveDecisions(
  comments: readonly CommentLike[],
  reviews: readonly ReviewLike[],
  authority: Authority,
  pr: { author: string; app: AppIdentity },
): Derived {
  let waivers: WaiverDecision[] = [];
  let outcome: OutcomeDecision | undefined;
  const responses: Response[] = [];
  const own = comments.find((c) => isOwnComment(c, pr.app));
  const ordered = [...comments].sort((a, b) => (a.created_at ?? "").localeCompare(b.created_at ?? "") || a.id - b.id);
  for (const c of ordered) {
    const login = c.user?.login;
    if (!login || !c.body || isBot(c.user) || isOwnComment(c, pr.app)) continue;
    const { commands, errors } = parseCommands(c.body);
    if (commands.length === 0 && errors.length === 0) continue;
    if (isEdited(c)) {
      responses.push({
        commentId: c.id,
        react: false,
        reply:
          "This comment was edited after it was posted, so its commands do not count (GitHub keeps no history of the original). Post them in a new comment.",
      });
      continue;
    }
    const replies: string[] = errors.map(
      (e) => `- line ${e.line} (\`${e.text.slice(0, 80)}\`): ${e.message}. Syntax:\n  \`\`\`\n  ${e.syntax.replace(/\n/g, "\n  ")}\n  \`\`\``,
    );
    let accepted = 0;
    for (const command of commands) {
      if (command.kind === "help") {
        replies.push(helpText());
        continue;
      }
      if (command.kind === "recheck") {
        accepted++;
        continue;
      }
      const action: Action = command.kind === "outcome" ? "outcome" : "waive";
      const verb = action === "waive" ? (command.kind === "unwaive" ? "unwaive findings" : "waive findings") : "record the review outcome";
      if (login.toLowerCase() === pr.author.toLowerCase() && !authority.allowAuthor) {
        replies.push(
          `- @${login} cannot ${verb} on their own pull request. Who may: ${authority.describe(action)} (\`authority.${action}\` in \`.github/archgate.yml\`).`,
        );
        continue;
      }
      if (!authority.may(login, action)) {
        replies.push(
          `- @${login} may not ${verb} here. Who may: ${authority.describe(action)} (\`authority.${action}\` in \`.github/archgate.yml\`).`,
        );
        continue;
      }
      accepted++;
      const at = c.created_at ?? "";
      if (command.kind === "waive") {
        waivers = waivers.filter((w) => w.target.toLowerCase() !== command.target.toLowerCase());
        waivers.push({
          id: `${c.id}:${command.line}`,
          target: command.target,
          by: login,
          at,
          reason: command.reason,
          ...(command.until ? { until: command.until } : {}),
        });
      } else if (command.kind === "unwaive") {
        waivers = waivers.filter((w) => w.target.toLowerCase() !== command.target.toLowerCase());
      } else {
        outcome = {
          id: `${c.id}:${command.line}`,
          outcome: command.outcome,
          by: login,
          at,
          ...(command.reason ? { reason: command.reason } : {}),
          conditions: command.conditions,
          ...(command.reviewTypes ? { reviewTypes: command.reviewTypes } : {}),
        };
      }
    }
    responses.push({ commentId: c.id, react: accepted > 0 && replies.length === 0, ...(replies.length > 0 ? { reply: replies.join("\n") } : {}) });
  }

  const approvals: Approval[] = latestApprovals(reviews)
    .filter((r) => r.user!.login!.toLowerCase() !== pr.author.toLowerCase() && r.commit_id)
    .map((r) => {
      const login = r.user!.login!;
      return {
        login,
        at: r.submitted_at ?? "",
        commitId: r.commit_id!,
        writer: authority.writer(login),
        waiveAuthority: authority.may(login, "waive"),
        reviewTypes: authority.reviewTypesOf(login),
      };
    });

  return {
    waivers,
    ...(outcome ? { outcome } : {}),
    approvals,
    recorded: decodeRecord(own?.body ?? undefined),
    ...(own ? { own } : {}),
    responses,
  };
}

export function helpText(): string {
  return [
    "archgate commands (one per line, in a new comment):",
    "```",
    ...Object.values(SYNTAX),
    "```",
    `Who may use them, waivers, lapses, outcomes and required reviewers: ${REVIEW_LOOP_DOCS_URL}`,
  ].join("\n");
}
