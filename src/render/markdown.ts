import { noteText, type Finding, type Report } from "../engine/types.js";
import type { Category } from "../engine/vocabulary.js";

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
}

export function categoryLabel(category: Category): string {
  return CATEGORY_LABEL[category];
}

/** Text safe inside a markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|").replace(/</g, "&lt;");
}

/** A path or identifier as inline code, whatever backticks it holds. */
export function code(text: string): string {
  const clean = text.replace(/\r?\n/g, " ");
  const fence = clean.includes("`") ? "``" : "`";
  return `${fence}${clean.includes("`") ? ` ${clean} ` : clean}${fence}`;
}

function location(f: Pick<Finding, "file" | "line">): string {
  return code(f.line ? `${f.file}:${f.line}` : f.file);
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

function requiredLine(report: Report): string {
  const [strongest, ...others] = report.reviewTypes;
  if (!strongest) return "No architecture review is required for this change.";
  const also = others.length > 0 ? ` Also applies: ${others.map((t) => t.title).join(", ")}.` : "";
  return `**${strongest.title} required.**${also}`;
}

function gateLine(report: Report): string {
  const errors = report.findings.filter((f) => f.severity === "error" && !f.waived).length;
  const warnings = report.findings.filter((f) => f.severity === "warning").length;
  const waived = report.findings.filter((f) => f.severity === "error" && f.waived).length;
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

/** Findings table in the format of an architecture review report: ID, severity, category, title, where. */
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

function findingDetails(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return [];
  const lines = ["<details><summary>How to fix</summary>", ""];
  for (const f of findings) {
    lines.push(`- **${f.id}** ${code(f.rule)} at ${location(f)}: ${f.remediation ?? f.title}`);
  }
  lines.push("", "</details>", "");
  return lines;
}

function checklistLines(report: Report, checked: ReadonlySet<string>): string[] {
  if (report.checklist.length === 0) return [];
  const lines = ["### Checklist", "", "Tick an item when the answer is yes; ticks are kept when this comment is updated.", ""];
  for (const section of report.checklist) {
    lines.push(`#### ${section.title}`, "");
    for (const item of section.items) {
      lines.push(`- [${checked.has(item.id) ? "x" : " "}] ${item.text} <!-- archgate:item:${item.id} -->`);
    }
    lines.push("");
  }
  return lines;
}

function problemLines(report: Report): string[] {
  if (report.problems.length === 0) return [];
  const lines = ["### Could not review", ""];
  for (const p of report.problems) {
    const where = p.file ? `${code(p.line ? `${p.file}:${p.line}` : p.file)}: ` : "";
    lines.push(`- ${where}${p.message}`);
  }
  lines.push("");
  return lines;
}

function notesLines(report: Report): string[] {
  if (report.notes.length === 0) return [];
  return ["<details><summary>Notes</summary>", "", ...report.notes.map((n) => `- ${noteText(n)}`), "", "</details>", ""];
}

/**
 * The sticky PR comment. Degrades in steps when it would exceed `maxLength`: details first, then long
 * tables, so the checklist (the part people tick) survives.
 */
export function renderComment(report: Report, options: CommentOptions = {}): string {
  const maxLength = options.maxLength ?? GITHUB_BODY_LIMIT;
  const checked = options.checked ?? new Set<string>();
  const attempts: Array<{ details: boolean; maxRows: number; maxFiles: number; notes: boolean }> = [
    { details: true, maxRows: Infinity, maxFiles: 5, notes: true },
    { details: false, maxRows: 50, maxFiles: 3, notes: true },
    { details: false, maxRows: 10, maxFiles: 1, notes: false },
  ];
  let body = "";
  for (const attempt of attempts) {
    body = composeComment(report, options, checked, attempt);
    if (body.length <= maxLength) return body;
  }
  const tail = `\n\n…the rest did not fit in a comment${options.checkRunUrl ? `: see the [check run](${options.checkRunUrl})` : ": see the check run"}.\n`;
  return body.slice(0, Math.max(0, maxLength - tail.length)) + tail;
}

function composeComment(
  report: Report,
  options: CommentOptions,
  checked: ReadonlySet<string>,
  limits: { details: boolean; maxRows: number; maxFiles: number; notes: boolean },
): string {
  const lines: string[] = [marker(report), "## 🏛️ Architecture review", ""];
  if (options.draft) lines.push("> This pull request is a draft. It is reviewed on every push; the result counts once it is ready.", "");
  lines.push(requiredLine(report), "", gateLine(report), "");
  lines.push(...problemLines(report));
  lines.push(...triggersTable(report, limits.maxFiles));
  if (report.findings.length > 0) {
    lines.push("### Hard constraints", "", ...findingsTable(report.findings, limits.maxRows), "");
    if (limits.details) lines.push(...findingDetails(report.findings));
    if (limits.maxRows !== Infinity && options.checkRunUrl) lines.push(`Full details: [check run](${options.checkRunUrl}).`, "");
  }
  lines.push(...checklistLines(report, checked));
  if (options.configPreview) lines.push("### Config change preview", "", options.configPreview, "");
  if (limits.notes) lines.push(...notesLines(report));
  lines.push(
    `<sub>archgate reviewed ${code(report.head.slice(0, 12))}. Configure it in ${code(".github/archgate.yml")} on the default branch.</sub>`,
  );
  return lines.join("\n") + "\n";
}

/**
 * The comment body once a later push no longer hits any trigger: kept (not deleted) so the history
 * of the discussion stays readable.
 */
export function renderNoReviewRequired(report: Report): string {
  return (
    [
      marker(report),
      "## 🏛️ Architecture review",
      "",
      `✅ **No architecture review is required any more.** The latest push (${code(report.head.slice(0, 12))}) no longer changes anything that needs one.`,
      "",
      gateLine(report),
      "",
      ...problemLines(report),
      ...(report.findings.length > 0 ? ["### Hard constraints", "", ...findingsTable(report.findings, 50), ""] : []),
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
  if (warnings > 0 && report.conclusion !== "error") title += ` · ${warnings} warning${warnings === 1 ? "" : "s"}`;
  title = title.length > 200 ? `${title.slice(0, 197)}…` : title;

  const summaryLines = [requiredLine(report), "", gateLine(report), "", ...problemLines(report)];
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
