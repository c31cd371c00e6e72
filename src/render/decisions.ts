/**
 * The review loop's decisions as text: the "Decisions" section of the PR comment and of the check-run
 * summary (waivers with who, when, reason and until; lapsed waivers and why; the outcome with its conditions
 * as checklist items; required reviews), and what the check's title says the PR waits for.
 */
import { BLOCKING_OUTCOMES, encodeRecord, type OutcomeKind } from "../engine/decisions.js";
import type { Report } from "../engine/types.js";

export const REVIEW_LOOP_DOCS_URL = "https://github.com/archgate/archgate/blob/main/docs/review-loop.md";

const OUTCOME_TITLE: Record<OutcomeKind, string> = {
  accepted: "Accepted",
  "accepted-with-conditions": "Accepted with conditions",
  "experiment-required": "Experiment required",
  "redesign-required": "Redesign required",
  deferred: "Deferred",
  rejected: "Rejected",
};

/** User-written text on one markdown line: no line breaks, no HTML, no table breaks, no mentions that ping. */
function text(value: string): string {
  return value
    .replace(/\r?\n/g, " ")
    .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/</g, "&lt;")
    .replace(/\|/g, "\\|");
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function who(login: string): string {
  return `@${login}`;
}

/** The id a condition's checkbox keeps across re-renders (so ticks survive). */
export function conditionItemId(outcomeId: string, index: number): string {
  return `condition-${outcomeId.replace(/[^0-9a-z]+/gi, "-").toLowerCase()}-${index + 1}`;
}

/** What the check waits for or what stopped it, beyond hard constraints: for the title. */
export function decisionsTitle(report: Report, options: { constraints?: boolean } = {}): string | undefined {
  const d = report.decisions;
  if (!d || report.conclusion === "error") return undefined;
  const parts: string[] = [];
  const outcome = d.outcome && !d.outcome.lapsed ? d.outcome : undefined;
  if (outcome && BLOCKING_OUTCOMES.has(outcome.outcome)) {
    parts.push(`${OUTCOME_TITLE[outcome.outcome]} by ${who(outcome.by)}${outcome.reason ? `: ${outcome.reason}` : ""}`);
  }
  const blocking = report.findings.filter((f) => f.severity === "error" && !f.waived);
  const awaitingPlans = blocking.filter((f) => f.migrationPlan === "awaiting-acceptance").length;
  const others = blocking.length - awaitingPlans;
  if (others > 0 && options.constraints !== false) parts.push(`${others} hard constraint${others === 1 ? "" : "s"} violated`);
  if (awaitingPlans > 0) parts.push(`Migration plan awaiting acceptance (${awaitingPlans} breaking change${awaitingPlans === 1 ? "" : "s"})`);
  for (const r of d.reviews.filter((r) => !r.satisfiedBy)) {
    const by = r.reviewers.length > 0 ? ` by ${r.reviewers.join(", ")}` : "";
    const count = r.count > 1 ? ` (${r.approvedBy.length} of ${r.count} approvals)` : "";
    parts.push(`Awaiting ${r.title.charAt(0).toLowerCase()}${r.title.slice(1)}${by}${count}`);
  }
  if (parts.length === 0 && outcome) parts.push(`${OUTCOME_TITLE[outcome.outcome]} by ${who(outcome.by)}`);
  return parts.length > 0 ? parts.join(" · ") : undefined;
}

/**
 * The decisions section, or undefined when nothing was decided and nothing is awaited. `checked`: ids of
 * condition items ticked in the previous comment. `record`: also emit the app's hidden record (comment only).
 */
export function renderDecisions(report: Report, options: { checked?: ReadonlySet<string>; record?: boolean } = {}): string | undefined {
  const d = report.decisions;
  if (!d) return undefined;
  const lines: string[] = [];
  if (d.outcome) {
    const o = d.outcome;
    const title = `**${OUTCOME_TITLE[o.outcome]}** by ${who(o.by)} on ${day(o.at)}${o.reason ? `: ${text(o.reason)}` : ""}`;
    lines.push(o.lapsed ? `- Outcome: ~~${title}~~ — lapsed: ${o.lapsed}.` : `- Outcome: ${title}`);
    o.conditions.forEach((c, i) => {
      const id = conditionItemId(o.id, i);
      const when = c.due ? `due ${c.due}` : c.gate ? `gate: ${text(c.gate)}` : "";
      const fields = [c.owner ? `owner ${who(c.owner)}` : "", when, c.evidence ? `evidence: ${text(c.evidence)}` : ""].filter(Boolean).join(", ");
      lines.push(`  - [${options.checked?.has(id) ? "x" : " "}] ${text(c.text)} (${fields}) <!-- archgate:item:${id} -->`);
    });
  }
  for (const w of d.waivers) {
    const what = w.findings.length > 0 ? w.findings.join(", ") : "no current finding";
    const until = w.until ? ` until ${w.until}` : "";
    lines.push(`- Waiver of \`${text(w.target)}\` (${what}) by ${who(w.by)} on ${day(w.at)}${until}: ${text(w.reason)}`);
  }
  for (const l of d.lapsed) {
    lines.push(`- ⚠️ Waiver of \`${text(l.target)}\` by ${who(l.by)} on ${day(l.at)} **lapsed**: ${l.why}. Waive again if it still applies.`);
  }
  for (const p of d.acceptedPlans) lines.push(`- Migration plan of ${p.finding} accepted by ${who(p.by)}'s approving review on ${day(p.at)}`);
  const awaiting = report.findings.filter((f) => f.migrationPlan === "awaiting-acceptance" && !f.waived);
  if (awaiting.length > 0) {
    lines.push(
      `- ⏳ Migration plan awaiting acceptance (${awaiting.map((f) => f.id).join(", ")}): an approving review of this commit by a writer other than the author, or a waiver.`,
    );
  }
  const placeholders = report.findings.filter((f) => f.migrationPlan === "placeholder" && !f.waived);
  if (placeholders.length > 0) lines.push(`- The migration plan is a placeholder (TBD, TODO, n/a or under ten words) and accepts nothing.`);
  for (const r of d.reviews) {
    const from = r.reviewers.length > 0 ? ` from ${r.reviewers.join(", ")}` : "";
    if (r.satisfiedBy === "approvals") lines.push(`- ✅ ${r.title}: approved by ${r.approvedBy.map(who).join(", ")}`);
    else if (r.satisfiedBy === "outcome") lines.push(`- ✅ ${r.title}: covered by the outcome`);
    else lines.push(`- ⏳ ${r.title}: ${r.approvedBy.length} of ${r.count} approving review${r.count === 1 ? "" : "s"} of this commit${from}`);
  }
  const hasRecord = Object.keys(d.record.waivers).length + Object.keys(d.record.outcomes).length + d.record.requested.length > 0;
  if (lines.length === 0) return options.record && hasRecord ? encodeRecord(d.record) : undefined;
  const out = ["### Decisions", "", ...lines, "", `<sub>Decide with \`/archgate\` commands: [how](${REVIEW_LOOP_DOCS_URL}).</sub>`];
  if (options.record && hasRecord) out.push(encodeRecord(d.record));
  return `${out.join("\n")}\n`;
}
