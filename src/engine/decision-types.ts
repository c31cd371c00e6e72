/**
 * The shapes of the review loop's decisions as a Report carries them (types only, so src/engine/types.ts
 * can name them without importing the code that applies them, src/engine/decisions.ts).
 */
import type { ReviewTypeId } from "./vocabulary.js";

/** Who waived a finding, when, why and until when. */
export interface Waiver {
  /** Login of who waived it (for an accepted migration plan: who accepted it). */
  by: string;
  /** ISO time of the command or review. */
  at: string;
  reason: string;
  /** YYYY-MM-DD: the waiver lapses after this day. */
  until?: string;
}

export const OUTCOMES = ["accepted", "accepted-with-conditions", "experiment-required", "redesign-required", "deferred", "rejected"] as const;
export type OutcomeKind = (typeof OUTCOMES)[number];

/** Outcomes that fail the check whatever the findings say. */

/** A condition of `accepted-with-conditions`: owner, due date or launch gate, and the evidence that closes it. */
export interface Condition {
  text: string;
  owner?: string;
  due?: string;
  gate?: string;
  evidence?: string;
}

/** An authorised, still active `/archgate waive` (an `unwaive` removes it before it gets here). */
export interface WaiverDecision {
  /** What identifies the command across evaluations (the comment's id). */
  id: string;
  /** A finding id (`DATA-f841a5`) or a rule id (every finding of that rule). */
  target: string;
  by: string;
  at: string;
  reason: string;
  until?: string;
}

/** The latest authorised `/archgate outcome`. */
export interface OutcomeDecision {
  id: string;
  outcome: OutcomeKind;
  by: string;
  at: string;
  reason?: string;
  conditions: Condition[];
  /** The review types it names; all those required when it was first seen, when absent. */
  reviewTypes?: ReviewTypeId[];
}

/** An approving review that still stands (the reviewer's latest, not dismissed), never the author's or a bot's. */
export interface Approval {
  login: string;
  at: string;
  /** The commit it approved: only approvals of the current head count. */
  commitId: string;
  /** The reviewer has write permission (or more) on the repository. */
  writer: boolean;
  /** The reviewer has waive authority (see `authority.waive`). */
  waiveAuthority: boolean;
  /** Review types whose `reviewers` the reviewer belongs to. */
  reviewTypes: ReviewTypeId[];
}

export interface ReviewerRequirement {
  teams: string[];
  users: string[];
  count: number;
}

/**
 * What the app recorded in its own comment at earlier evaluations (a hidden marker, trusted only in the
 * app's comment): the fingerprint each waiver was bound to per finding, the review types each outcome
 * covered, and the review types whose reviewers were requested.
 */
export interface DecisionRecord {
  /** `<waiver id>:<finding id>` -> fingerprint when the waiver was first applied. */
  waivers: Record<string, string>;
  /** Outcome id -> the review types it covers. */
  outcomes: Record<string, ReviewTypeId[]>;
  requested: ReviewTypeId[];
}

export interface Decisions {
  waivers: WaiverDecision[];
  outcome?: OutcomeDecision | undefined;
  approvals: Approval[];
  reviewers: Partial<Record<ReviewTypeId, ReviewerRequirement>>;
  acceptedBy: "approval" | "waiver" | "author";
  recorded: DecisionRecord;
}

export interface AppliedWaiver extends Waiver {
  target: string;
  /** Ids of the findings it waives now. */
  findings: string[];
}

export interface LapsedWaiver extends Waiver {
  target: string;
  finding?: string;
  why: string;
}

export interface ReviewStatus {
  reviewType: ReviewTypeId;
  title: string;
  /** Who may approve, as shown: `@acme/architects`, `@lead`. */
  reviewers: string[];
  count: number;
  approvedBy: string[];
  /** By enough approvals on the current head, or by an accepted outcome that covers the review type. */
  satisfiedBy?: "approvals" | "outcome";
}

export interface ReportDecisions {
  waivers: AppliedWaiver[];
  lapsed: LapsedWaiver[];
  outcome?: OutcomeDecision & { reviewTypes: ReviewTypeId[]; lapsed?: string };
  /** Findings whose migration plan was accepted by an approving review: finding id -> who and when. */
  acceptedPlans: Array<{ finding: string; by: string; at: string }>;
  reviews: ReviewStatus[];
  /** What this evaluation learned, to be recorded again in the app's comment. */
  record: DecisionRecord;
}
