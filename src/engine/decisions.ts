/**
 * The review loop's decisions applied to a Report: waivers, the review outcome, migration-plan acceptance
 * and required reviewers. Pure: who decided what is derived elsewhere (src/github/decisions.ts reads PR
 * comments and reviews); this module only says what those decisions mean for the findings and the gate.
 */
import type { AppliedWaiver, DecisionRecord, Decisions, LapsedWaiver, OutcomeKind, ReportDecisions, ReviewStatus, Waiver } from "./decision-types.js";
import type { Finding, Report } from "./types.js";
import { reviewTypeTitle } from "./vocabulary.js";

export * from "./decision-types.js";

/** Outcomes that fail the check whatever the findings say. */
export const BLOCKING_OUTCOMES: ReadonlySet<OutcomeKind> = new Set(["experiment-required", "redesign-required", "deferred", "rejected"]);

export function emptyRecord(): DecisionRecord {
  return { waivers: {}, outcomes: {}, requested: [] };
}

/** True when a finding fails the gate. */
export function isBlocking(finding: Finding): boolean {
  return finding.severity === "error" && !finding.waived;
}

/** `until` (YYYY-MM-DD) has passed at `now`: the waiver counts through the whole of that day (UTC). */
export function expired(until: string, now: Date): boolean {
  return now.toISOString().slice(0, 10) > until;
}

/** The report with the decisions applied: findings waived, the outcome and required reviews judged, the conclusion recomputed. */
export function applyDecisions(report: Report, decisions: Decisions, now: Date): Report {
  const findings = report.findings.map((f) => ({ ...f }));
  const record: DecisionRecord = { waivers: {}, outcomes: {}, requested: [...decisions.recorded.requested] };
  const required = report.reviewTypes.map((t) => t.id);

  // Waivers, oldest first: each waives the findings it names unless it lapsed.
  const waivers: AppliedWaiver[] = [];
  const lapsed: LapsedWaiver[] = [];
  for (const w of decisions.waivers) {
    const waiver: Waiver = { by: w.by, at: w.at, reason: w.reason, ...(w.until ? { until: w.until } : {}) };
    const target = w.target.toLowerCase();
    const matched = findings.filter((f) => f.id.toLowerCase() === target || f.rule === target);
    // Fingerprints the waiver was bound to stay recorded while it is active, matched now or not.
    for (const [key, fp] of Object.entries(decisions.recorded.waivers)) if (key.startsWith(`${w.id}:`)) record.waivers[key] = fp;
    if (w.until && expired(w.until, now)) {
      lapsed.push({ ...waiver, target: w.target, why: `it expired on ${w.until}` });
      continue;
    }
    const applied: string[] = [];
    for (const f of matched) {
      const key = `${w.id}:${f.id}`;
      const bound = decisions.recorded.waivers[key];
      if (bound !== undefined && f.fingerprint !== undefined && bound !== f.fingerprint) {
        lapsed.push({ ...waiver, target: w.target, finding: f.id, why: `a later push changed what it waived (${f.id} in ${f.file})` });
        continue;
      }
      if (f.fingerprint !== undefined) record.waivers[key] = bound ?? f.fingerprint;
      if (!f.waived) {
        f.waived = true;
        f.waiver = waiver;
      }
      applied.push(f.id);
    }
    waivers.push({ ...waiver, target: w.target, findings: applied });
  }

  // Migration plans awaiting acceptance: an approving review of the current head by a writer (not the author).
  const onHead = decisions.approvals.filter((a) => a.commitId === report.head);
  const acceptedPlans: ReportDecisions["acceptedPlans"] = [];
  if (decisions.acceptedBy === "approval") {
    const acceptor = onHead.find((a) => a.writer || a.waiveAuthority);
    for (const f of findings) {
      if (f.migrationPlan !== "awaiting-acceptance" || f.waived || !acceptor) continue;
      f.waived = true;
      f.waiver = { by: acceptor.login, at: acceptor.at, reason: "migration plan accepted by an approving review" };
      acceptedPlans.push({ finding: f.id, by: acceptor.login, at: acceptor.at });
    }
  }

  // The outcome: the review types it covers are fixed when it is first seen.
  let outcome: ReportDecisions["outcome"];
  if (decisions.outcome) {
    const o = decisions.outcome;
    const covers = o.reviewTypes ?? decisions.recorded.outcomes[o.id] ?? required;
    record.outcomes[o.id] = covers;
    const missing = required.filter((t) => !covers.includes(t));
    outcome = {
      ...o,
      reviewTypes: covers,
      ...(missing.length > 0 ? { lapsed: `a later push requires ${missing.map(reviewTypeTitle).join(", ")}, which the outcome did not cover` } : {}),
    };
  }
  const acceptedOutcome = outcome && !outcome.lapsed && !BLOCKING_OUTCOMES.has(outcome.outcome) ? outcome : undefined;

  // Required reviewers per review type.
  const reviews: ReviewStatus[] = [];
  for (const type of required) {
    const need = decisions.reviewers[type];
    if (!need) continue;
    const approvedBy = [...new Set(onHead.filter((a) => a.reviewTypes.includes(type)).map((a) => a.login))];
    const satisfiedBy = approvedBy.length >= need.count ? "approvals" : acceptedOutcome?.reviewTypes.includes(type) ? "outcome" : undefined;
    reviews.push({
      reviewType: type,
      title: reviewTypeTitle(type),
      reviewers: [...need.teams.map((t) => `@${t}`), ...need.users.map((u) => `@${u}`)],
      count: need.count,
      approvedBy,
      ...(satisfiedBy ? { satisfiedBy } : {}),
    });
  }

  const blockingOutcome = outcome && !outcome.lapsed && BLOCKING_OUTCOMES.has(outcome.outcome);
  const failing = findings.some(isBlocking) || blockingOutcome || reviews.some((r) => !r.satisfiedBy);
  return {
    ...report,
    findings,
    conclusion: report.conclusion === "error" ? "error" : failing ? "failure" : "success",
    decisions: { waivers, lapsed, ...(outcome ? { outcome } : {}), acceptedPlans, reviews, record },
  };
}

/** The hidden marker under which the app records what it learned (trusted only in the app's own comment). */
export const RECORD_MARKER = "<!-- archgate:record ";

export function encodeRecord(record: DecisionRecord): string {
  // `--` cannot appear inside an HTML comment: JSON of ids, hashes and review types never holds it, but be sure.
  return `${RECORD_MARKER}${JSON.stringify(record).replace(/--/g, "-\\u002d")} -->`;
}

/** The record in a body the app wrote; an empty record when there is none or it does not parse. */
export function decodeRecord(body: string | undefined): DecisionRecord {
  const start = body?.indexOf(RECORD_MARKER) ?? -1;
  if (!body || start < 0) return emptyRecord();
  const end = body.indexOf(" -->", start);
  try {
    const value = JSON.parse(body.slice(start + RECORD_MARKER.length, end)) as Partial<DecisionRecord>;
    const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
    return {
      waivers: Object.fromEntries(Object.entries(value.waivers ?? {}).filter(([, fp]) => typeof fp === "string")),
      outcomes: Object.fromEntries(Object.entries(value.outcomes ?? {}).filter(([, t]) => strings(t))) as DecisionRecord["outcomes"],
      requested: strings(value.requested) ? (value.requested as DecisionRecord["requested"]) : [],
    };
  } catch {
    return emptyRecord();
  }
}
