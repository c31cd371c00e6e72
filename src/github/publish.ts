import type { ArchgateConfig } from "../config/schema.js";
import type { Report } from "../engine/types.js";
import { planComment, type ExistingComment } from "./comment.js";
import { labelName, planLabels, type LabelPlan } from "./labels.js";
import type { Publisher } from "./publisher.js";

export interface CommentAndLabels {
  comment: "created" | "updated" | "unchanged" | "none" | "stale";
  labels: LabelPlan | "stale" | "none";
  /** Nothing was written because the pull request was closed meanwhile ("stale"). */
  closed?: true;
}

export interface PublishInput {
  config: ArchgateConfig;
  report: Report;
  /** What the event said about the PR; the PR is re-read before anything is written. */
  draft: boolean;
  labels: readonly string[];
  configPreview?: string | undefined;
  checkRunUrl?: string | undefined;
  /** The sticky comment when the caller already listed the comments (the review loop does): `null` for none. */
  existing?: ExistingComment | null | undefined;
}

/**
 * Brings the sticky comment and the review-type labels in line with a report: the comment is created,
 * edited in place or left alone (see planComment), one label per required review type. Nothing is
 * written when nothing would change; otherwise the PR is re-read first, and a head that moved on meanwhile
 * gets no writes ("stale").
 */
export async function publishCommentAndLabels(publisher: Publisher, input: PublishInput): Promise<CommentAndLabels> {
  const { config, report } = input;
  const existing = input.existing === undefined ? await publisher.findComment() : (input.existing ?? undefined);
  const planFor = (draft: boolean) =>
    planComment(report, existing, {
      draft,
      ...(input.configPreview ? { configPreview: input.configPreview } : {}),
      ...(input.checkRunUrl ? { checkRunUrl: input.checkRunUrl } : {}),
      ...(publisher.repoUrl ? { repoUrl: publisher.repoUrl } : {}),
    });
  // Nothing to write (a redelivery, a PR that never hit a trigger): no need to re-read the PR either.
  if (planFor(input.draft).action === "none" && isEmpty(planLabels(config, report, input.labels))) {
    return { comment: existing ? "unchanged" : "none", labels: { add: [], remove: [] } };
  }

  // Re-read the PR right before writing: an older head's evaluation must not overwrite a newer one's.
  const current = await publisher.currentHead();
  if (current.stale) return { comment: "stale", labels: "stale", ...(current.closed ? { closed: true as const } : {}) };

  const plan = planFor(current.draft ?? input.draft);
  await publisher.writeComment(existing, plan);
  const comment = plan.action === "create" ? "created" : plan.action === "update" ? "updated" : existing ? "unchanged" : "none";

  const labelPlan = planLabels(config, report, current.labels);
  const descriptions = Object.fromEntries(report.reviewTypes.map((t) => [labelName(config, t.id), `${t.title} required (archgate)`]));
  await publisher.applyLabels(labelPlan, descriptions);
  return { comment, labels: labelPlan };
}

function isEmpty(plan: LabelPlan): boolean {
  return plan.add.length === 0 && plan.remove.length === 0;
}
