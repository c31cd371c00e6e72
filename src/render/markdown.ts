import { noteText, type Finding, type Report } from "../engine/types.js";
import type { Category } from "../engine/vocabulary.js";
import { decisionsTitle, REVIEW_LOOP_DOCS_URL, renderDecisions } from "./decisions.js";

/** Hidden marker that identifies archgate's sticky comment (the head SHA follows it). */
export const COMMENT_MARKER = "<!-- archgate:comment";
/** GitHub's limit for a comment body and a check-run summary. */
export const GITHUB_BODY_LIMIT = 65_536;

const ITEM_MARKER = /<!-- archgate:item:([a-z0-9-]+) -->/;

const CATEGORY_LABEL: Record<Category, string> = {
  security: "🔒 Security",
  reliability: "⚡ Reliability",
  scalability: "📈 Scalability",
  maintainability: "🔧 Maintainability",
  cost: "💰 Cost",
  data: "🗄️ Data",
};

/**
 * What the review loop decided about this PR (waivers, outcome, conditions), rendered right under the verdict.
 * A string is placed as it is; a structured value adds `verdict` to the verdict line and `markdown` below it.
 */
export type CommentDecisions = string | { verdict?: string; markdown?: string };

export interface CommentOptions {
  /** Ids of checklist items people ticked in the previous version of the comment. */
  checked?: ReadonlySet<string>;
  /** The PR is a draft. */
  draft?: boolean;
  /** Markdown previewing what the PR's edited config would change (rendered as its own section). */
  configPreview?: string;
  /** Upper bound for the body; past it the comment is summarised (default: GitHub's limit). */
  maxLength?: number;
  /** Link to the check run, for details that do not fit. */
  checkRunUrl?: string;
  /** The repository's web address (`https://github.com/owner/repo`): locations become links to the blob at head (base for removed things). */
  repoUrl?: string;
  /** The decisions section (waivers, outcome, conditions), shown under the verdict. */
  decisions?: CommentDecisions;
}

export function categoryLabel(category: Category): string {
  return CATEGORY_LABEL[category];
}

/** Bidirectional-text controls, which can make text read differently from what it is (CVE-2021-42574). */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * User-derived text (paths, identifiers, messages that quote them) safe on one markdown line: no line
 * breaks or bidi controls, `|` escaped (tables), `<` as an entity (no HTML), and backticks escaped when
 * they would not pair up into code spans.
 */
export function inline(text: string): string {
  let out = text.replace(/\r?\n/g, " ").replace(BIDI_CONTROLS, "").replace(/\|/g, "\\|").replace(/</g, "&lt;");
  if ((out.match(/`/g) ?? []).length % 2 === 1) out = out.replace(/`/g, "\\`");
  return out;
}

/** Text safe inside a markdown table cell. */
export function cell(text: string): string {
  return inline(text);
}

/** A path or identifier as inline code, whatever backticks it holds. */
export function code(text: string): string {
  const clean = text.replace(/\r?\n/g, " ").replace(BIDI_CONTROLS, "");
  const fence = clean.includes("`") ? "``" : "`";
  return `${fence}${clean.includes("`") ? ` ${clean} ` : clean}${fence}`;
}

function location(f: Pick<Finding, "file" | "line">): string {
  return code(f.line ? `${f.file}:${f.line}` : f.file);
}

/** `https://github.com/o/r/blob/<sha>/<path>#L<line>`, each path segment encoded. */
export function blobUrl(repoUrl: string, sha: string, path: string, line?: number): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${repoUrl.replace(/\/+$/, "")}/blob/${sha}/${encoded}${line ? `#L${line}` : ""}`;
}

/**
 * Where a finding is, as `file:line` linked to the head blob. A finding about something removed (it has a
 * `baseLine`) names that line in its message already, so the location only adds a link to it.
 */
export function findingLocation(f: Pick<Finding, "file" | "line" | "baseLine">, report: Pick<Report, "base" | "head">, repoUrl?: string): string {
  const where = location(f);
  if (!repoUrl) return where;
  const head = `[${where}](${blobUrl(repoUrl, report.head, f.file, f.line)})`;
  if (f.baseLine === undefined) return head;
  return `${head} ([at base](${blobUrl(repoUrl, report.base, f.file, f.baseLine)}))`;
}

/** Ids of the checklist items ticked in a previously rendered comment. */
export function parseCheckedItems(body: string): Set<string> {
  const checked = new Set<string>();
  for (const line of body.split("\n")) {
    if (!/^\s*[-*] \[[xX]\] /.test(line)) continue;
    const match = ITEM_MARKER.exec(line);
    if (match) checked.add(match[1]!);
  }
  return checked;
}

/** The head SHA a rendered comment was written for (from its marker), if any. */
export function commentHeadSha(body: string): string | undefined {
  return /<!-- archgate:comment head=([0-9a-f]{7,40}) -->/.exec(body)?.[1];
}

function marker(report: Report): string {
  return `${COMMENT_MARKER} head=${report.head} -->`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function counts(report: Report) {
  return {
    errors: report.findings.filter((f) => f.severity === "error" && !f.waived).length,
    warnings: report.findings.filter((f) => f.severity === "warning").length,
    waived: report.findings.filter((f) => f.severity === "error" && f.waived).length,
  };
}

/** The review the change awaits, for the verdict line: "⏳ **Service design review** awaited (also Contract review)". */
function awaitedPart(report: Report): string {
  const [strongest, ...others] = report.reviewTypes;
  if (!strongest) return "no architecture review needed";
  const also = others.length > 0 ? ` (also ${others.map((t) => t.title).join(", ")})` : "";
  return `⏳ **${strongest.title}** awaited${also}`;
}

function requiredLine(report: Report): string {
  const [strongest, ...others] = report.reviewTypes;
  if (!strongest) return "No architecture review is required for this change.";
  const also = others.length > 0 ? ` Also applies: ${others.map((t) => t.title).join(", ")}.` : "";
  return `**${strongest.title} required.**${also}`;
}

/** One line: what blocks the merge, what review is awaited, how many warnings (and what the review loop decided). */
export function verdictLine(report: Report, decisions?: CommentDecisions): string {
  if (report.conclusion === "error") {
    return "⛔ **Merge blocked: the review could not run completely.** Review this change by hand; the check fails until archgate can read it.";
  }
  const { errors, warnings, waived } = counts(report);
  const parts = [
    errors > 0
      ? `❌ **Merge blocked by ${plural(errors, "hard constraint")}**`
      : report.conclusion === "failure"
        ? "❌ **Merge blocked**"
        : "✅ **Nothing blocks the merge**",
    awaitedPart(report),
  ];
  if (warnings > 0) parts.push(`⚠️ ${plural(warnings, "warning")}`);
  if (waived > 0) parts.push(`${waived} waived`);
  if (typeof decisions === "object" && decisions.verdict) parts.push(inline(decisions.verdict));
  return parts.join(" · ");
}

function gateLine(report: Report): string {
  const { errors, warnings, waived } = counts(report);
  if (report.conclusion === "error") return "⛔ **The review could not run completely.** The check fails until it can; review this change by hand.";
  const parts: string[] = [];
  if (errors > 0) parts.push(`❌ **${errors} hard constraint${errors === 1 ? "" : "s"} violated**: fix or waive before merging`);
  else parts.push("✅ No hard constraint violated");
  if (warnings > 0) parts.push(`⚠️ ${warnings} warning${warnings === 1 ? "" : "s"}`);
  if (waived > 0) parts.push(`${waived} waived`);
  return parts.join(" · ");
}

function triggersTable(report: Report, maxFiles: number): string[] {
  if (report.triggers.length === 0) return [];
  const lines = ["### Why", "", "| Trigger | Reason | Files |", "|---|---|---|"];
  for (const t of report.triggers) {
    const shown = t.files.slice(0, maxFiles).map(code).join(", ");
    const more = t.files.length > maxFiles ? ` and ${t.files.length - maxFiles} more` : "";
    lines.push(`| ${cell(t.title)} | ${cell(t.reason)} | ${shown}${more} |`);
  }
  lines.push("");
  return lines;
}

/** Findings table in the format of an architecture review report (the check run's summary): ID, severity, category, title, where. */
export function findingsTable(findings: readonly Finding[], maxRows = Infinity): string[] {
  if (findings.length === 0) return [];
  const lines = ["| ID | Severity | Category | Title | Where |", "|---|---|---|---|---|"];
  for (const f of findings.slice(0, maxRows)) {
    const severity = f.waived ? `${f.severity} (waived)` : f.severity;
    lines.push(`| ${f.id} | ${severity} | ${categoryLabel(f.category)} | ${cell(f.message)} | ${location(f)} |`);
  }
  if (findings.length > maxRows) lines.push(`| … | | | ${findings.length - maxRows} more findings: see the check run | |`);
  return lines;
}

/** Longest finding message the comment shows on its line; the check run has the whole text. */
const MESSAGE_LIMIT = 280;

function shorten(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1).trimEnd()}…`;
}

/** One line per finding: id, message, location. */
function findingLine(f: Finding, report: Report, repoUrl: string | undefined): string {
  const waived = f.waived ? " _(waived)_" : "";
  return `- **${f.id}** ${inline(shorten(f.message, MESSAGE_LIMIT))}${waived} · ${findingLocation(f, report, repoUrl)}`;
}

/** Errors first (unwaived, then waived), then warnings; each in report order (file, line). */
function findingSections(report: Report, repoUrl: string | undefined, maxLines: number): { lines: string[]; shown: number } {
  const errors = report.findings.filter((f) => f.severity === "error");
  const ordered = [...errors.filter((f) => !f.waived), ...errors.filter((f) => f.waived)];
  const warnings = report.findings.filter((f) => f.severity === "warning");
  const lines: string[] = [];
  let budget = maxLines;
  let shown = 0;
  for (const [heading, list] of [
    [`### ❌ Errors (${ordered.length})`, ordered],
    [`### ⚠️ Warnings (${warnings.length})`, warnings],
  ] as const) {
    if (list.length === 0) continue;
    lines.push(heading, "");
    const visible = list.slice(0, Math.max(0, budget));
    for (const f of visible) lines.push(findingLine(f, report, repoUrl));
    if (visible.length < list.length) lines.push(`- … ${list.length - visible.length} more`);
    budget -= visible.length;
    shown += visible.length;
    lines.push("");
  }
  return { lines, shown };
}

/** Remediation once per rule (and per distinct text within a rule), with the ids it applies to, in one collapsed block. */
function remediationBlock(findings: readonly Finding[]): string[] {
  const byRule = new Map<string, { title: string; texts: Map<string, string[]> }>();
  for (const f of findings) {
    if (!f.remediation) continue;
    let group = byRule.get(f.rule);
    if (!group) byRule.set(f.rule, (group = { title: f.title, texts: new Map() }));
    const text = f.remediation;
    const ids = group.texts.get(text) ?? [];
    ids.push(f.id);
    group.texts.set(text, ids);
  }
  if (byRule.size === 0) return [];
  const lines = [`<details><summary>How to fix (${plural(byRule.size, "rule")})</summary>`, ""];
  for (const [rule, group] of byRule) {
    lines.push(`**${inline(group.title)}** (${code(rule)})`, "");
    for (const [text, ids] of group.texts) lines.push(`- ${ids.join(", ")}: ${inline(text)}`);
    lines.push("");
  }
  lines.push("</details>", "");
  return lines;
}

/** Why the review is needed: each trigger, its reason and files, collapsed. */
function triggersBlock(report: Report, maxFiles: number): string[] {
  if (report.triggers.length === 0) return [];
  const lines = [`<details><summary>Why: ${report.triggers.map((t) => inline(t.title)).join(", ")}</summary>`, ""];
  for (const t of report.triggers) {
    const shown = t.files.slice(0, maxFiles).map(code).join(", ");
    const more = t.files.length > maxFiles ? ` and ${t.files.length - maxFiles} more` : "";
    lines.push(`- **${inline(t.title)}**: ${inline(t.reason)}. Files: ${shown}${more}`);
  }
  lines.push("", "</details>", "");
  return lines;
}

function checklistLines(report: Report, checked: ReadonlySet<string>): string[] {
  if (report.checklist.length === 0) return [];
  const all = report.checklist.flatMap((s) => s.items);
  const ticked = all.filter((i) => checked.has(i.id)).length;
  const lines = [
    `### Checklist (${ticked}/${all.length} ticked)`,
    "",
    "Tick an item when the answer is yes; ticks are kept when this comment is updated.",
    "",
  ];
  for (const section of report.checklist) {
    const done = section.items.filter((i) => checked.has(i.id)).length;
    lines.push(`<details><summary>${inline(section.title)} · ${done}/${section.items.length}</summary>`, "");
    for (const item of section.items) {
      lines.push(`- [${checked.has(item.id) ? "x" : " "}] ${inline(item.text)} <!-- archgate:item:${item.id} -->`);
    }
    lines.push("", "</details>", "");
  }
  return lines;
}

function problemLines(report: Report): string[] {
  if (report.problems.length === 0) return [];
  const lines = ["### Could not review", ""];
  for (const p of report.problems) {
    const where = p.file ? `${code(p.line ? `${p.file}:${p.line}` : p.file)}: ` : "";
    lines.push(`- ${where}${inline(p.message)}`);
  }
  lines.push("");
  return lines;
}

function notesLines(report: Report): string[] {
  if (report.notes.length === 0) return [];
  return [
    `<details><summary>Notes (${report.notes.length})</summary>`,
    "",
    ...report.notes.map((n) => `- ${inline(noteText(n))}`),
    "",
    "</details>",
    "",
  ];
}

function decisionsLines(decisions: CommentDecisions | undefined): string[] {
  if (decisions === undefined) return [];
  const markdown = typeof decisions === "string" ? decisions : decisions.markdown;
  return markdown ? [markdown.trimEnd(), ""] : [];
}

interface Limits {
  /** Remediation, trigger details and notes. */
  details: boolean;
  /** Finding lines shown; the rest are counted and left to the check run. */
  maxFindings: number;
  maxFiles: number;
}

/**
 * The sticky PR comment: a one-line verdict, the decisions, errors then warnings (one line each), remediation
 * per rule and the reasons collapsed, the checklist collapsed per dimension. Past `maxLength` it drops the
 * collapsed details, then shows fewer findings and says how many are only in the check run, so the
 * checklist (the part people tick) survives.
 */
export function renderComment(report: Report, options: CommentOptions = {}): string {
  const maxLength = options.maxLength ?? GITHUB_BODY_LIMIT;
  const checked = options.checked ?? new Set<string>();
  const attempts: Limits[] = [
    { details: true, maxFindings: Infinity, maxFiles: 5 },
    { details: false, maxFindings: Infinity, maxFiles: 3 },
    ...[200, 100, 50, 20, 10, 0].map((maxFindings) => ({ details: false, maxFindings, maxFiles: 1 })),
  ];
  let body = "";
  for (const attempt of attempts) {
    body = composeComment(report, options, checked, attempt);
    if (body.length <= maxLength) return body;
  }
  const tail = `\n\n…the rest did not fit in a comment${options.checkRunUrl ? `: see the [check run](${options.checkRunUrl})` : ": see the check run"}.\n`;
  return body.slice(0, Math.max(0, maxLength - tail.length)) + tail;
}

function composeComment(report: Report, options: CommentOptions, checked: ReadonlySet<string>, limits: Limits): string {
  const lines: string[] = [marker(report), "## 🏛️ Architecture review", "", verdictLine(report, options.decisions), ""];
  lines.push(...decisionsLines(options.decisions));
  if (options.draft) lines.push("> This pull request is a draft. It is reviewed on every push; the result counts once it is ready.", "");
  lines.push(...problemLines(report));
  const { lines: findingLines, shown } = findingSections(report, options.repoUrl, limits.maxFindings);
  lines.push(...findingLines);
  const hidden = report.findings.length - shown;
  if (hidden > 0) {
    const where = options.checkRunUrl ? `the [check run](${options.checkRunUrl})` : "the check run";
    lines.push(`${plural(hidden, "finding")} did not fit in this comment and ${hidden === 1 ? "is" : "are"} only in ${where}.`, "");
  }
  if (limits.details) lines.push(...remediationBlock(report.findings.slice(0, shown)));
  if (limits.details) lines.push(...triggersBlock(report, limits.maxFiles));
  lines.push(...checklistLines(report, checked));
  if (options.configPreview) lines.push("### Config change preview", "", options.configPreview, "");
  if (limits.details) lines.push(...notesLines(report));
  lines.push(
    `<sub>archgate reviewed ${code(report.head.slice(0, 12))}. Configure it in ${code(".github/archgate.yml")} on the default branch. Waive, record an outcome or ask for help with [\`/archgate\` commands](${REVIEW_LOOP_DOCS_URL}).</sub>`,
  );
  return lines.join("\n") + "\n";
}

/**
 * The comment body once a later push no longer hits any trigger: kept (not deleted) so the history
 * of the discussion stays readable.
 */
export function renderNoReviewRequired(report: Report, options: Pick<CommentOptions, "repoUrl" | "decisions"> = {}): string {
  return (
    [
      marker(report),
      "## 🏛️ Architecture review",
      "",
      `✅ **No architecture review is required any more.** The latest push (${code(report.head.slice(0, 12))}) no longer changes anything that needs one.`,
      "",
      verdictLine(report, options.decisions),
      "",
      ...decisionsLines(options.decisions),
      ...problemLines(report),
      ...findingSections(report, options.repoUrl, 50).lines,
    ].join("\n") + "\n"
  );
}

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
}

/** Title, summary and details of the "Architecture review" check run. */
export function renderCheckRun(report: Report, maxLength = GITHUB_BODY_LIMIT): CheckRunOutput {
  const errors = report.findings.filter((f) => f.severity === "error" && !f.waived).length;
  const warnings = report.findings.filter((f) => f.severity === "warning").length;
  let title: string;
  if (report.conclusion === "error") {
    const first = report.problems[0];
    title = `Review could not run: ${first ? first.message : "unknown error"}`;
  } else if (errors > 0) {
    title = `${errors} hard constraint${errors === 1 ? "" : "s"} violated`;
  } else {
    title = report.reviewTypes[0] ? `No hard constraint violated · ${report.reviewTypes[0].title} required` : "No hard constraint violated";
  }
  // The review loop's title says what the check waits for (a review, an acceptance) or who stopped it.
  const decided = decisionsTitle(report);
  if (decided) title = report.conclusion === "success" ? `${decided} · ${title}` : decided;
  if (warnings > 0 && report.conclusion !== "error") title += ` · ${warnings} warning${warnings === 1 ? "" : "s"}`;
  title = title.length > 200 ? `${title.slice(0, 197)}…` : title;

  const decisions = renderDecisions(report);
  const summaryLines = [requiredLine(report), "", gateLine(report), "", ...(decisions ? [decisions] : []), ...problemLines(report)];
  if (report.findings.length > 0) summaryLines.push("### Findings", "", ...findingsTable(report.findings), "");
  summaryLines.push(...triggersTable(report, 10));
  let summary = summaryLines.join("\n");
  if (summary.length > maxLength) {
    summaryLines.length = 0;
    summaryLines.push(
      requiredLine(report),
      "",
      gateLine(report),
      "",
      ...problemLines(report),
      "### Findings",
      "",
      ...findingsTable(report.findings, 200),
    );
    summary = summaryLines.join("\n").slice(0, maxLength - 40) + "\n\n…truncated.";
  }

  const textLines: string[] = [];
  for (const f of report.findings) {
    textLines.push(`#### ${f.id} · ${f.title}`, "", `${location(f)} — ${f.message}`, "");
    if (f.remediation) textLines.push(`**Fix:** ${f.remediation}`, "");
  }
  if (report.notes.length > 0) textLines.push("### Notes", "", ...report.notes.map((n) => `- ${noteText(n)}`));
  const text = textLines.join("\n");
  return { title, summary, ...(text ? { text: text.length > maxLength ? text.slice(0, maxLength - 20) + "\n\n…truncated." : text } : {}) };
}
