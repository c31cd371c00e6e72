/**
 * `archgate backtest`: what the gate would have done to a repository's history. Each first-parent merge (a PR
 * merged with a merge commit) or each first-parent commit is reviewed like a pull request against its first
 * parent, in one process, with the config at that parent (or --config). The result says how often each trigger
 * and review type fired, how many PRs each rule would have failed or warned, which ones would have failed, and
 * the review load per week: for a lead deciding whether to make the check required.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import type { Report } from "../engine/types.js";

const run = promisify(execFile);

export const BACKTEST_USAGE = `Usage: archgate backtest [--repo DIR] [--since DATE | --last N] [--merges | --all]
                         [--config FILE] [--format text|json|html] [--output FILE]

Reviews past changes of a repository (work tree or bare) as pull requests against their first parent, and
summarises what the gate would have done.

Options:
  --repo DIR        the repository (default: the current directory)
  --ref REV         the branch whose first-parent history is replayed (default: HEAD)
  --since DATE      changes committed since DATE (e.g. 2026-01-01, "3 months ago")
  --last N          the last N changes (default: 200 when --since is not given)
  --merges          first-parent merge commits, one per merged PR (the default when the history has merges)
  --all             every first-parent commit (squash-merge histories)
  --config FILE     the config to apply (default: .github/archgate.yml at each change's parent)
  --format FORMAT   text (default), json, or html (a self-contained report with a chart)
  --output FILE     write there instead of stdout
  -h, --help        show this help

Progress goes to stderr when it is a terminal. Exit code 0 once the backtest ran, 2 if it could not.
`;

export interface BacktestChange {
  sha: string;
  parent: string;
  time: number;
  subject: string;
}

export interface BacktestEntry {
  sha: string;
  subject: string;
  date: string;
  conclusion: Report["conclusion"] | "skipped";
  triggers: string[];
  reviewTypes: string[];
  /** Unwaived findings: rule, severity, file:line. */
  findings: { rule: string; severity: "error" | "warning"; file: string; line: number | null; id: string }[];
  problems: string[];
  ms: number;
}

export interface BacktestSummary {
  repo: string;
  ref: string;
  mode: "merges" | "all";
  changes: number;
  from: string | null;
  to: string | null;
  seconds: number;
  conclusions: Record<string, number>;
  triggers: Record<string, number>;
  reviewTypes: Record<string, number>;
  /** Per rule: PRs it would have failed (an error finding) and warned (only warnings). */
  rules: Record<string, { failed: number; warned: number }>;
  failed: { sha: string; subject: string; date: string; rule: string; where: string }[];
  errors: { sha: string; subject: string; problems: string[] }[];
  /** ISO week (YYYY-Www) → changes, changes that needed a review, failures. */
  weeks: { week: string; changes: number; reviews: number; failures: number }[];
  entries: BacktestEntry[];
}

export async function listChanges(
  repo: string,
  options: { ref: string; since?: string | undefined; last?: number | undefined; merges?: boolean | undefined },
): Promise<{ changes: BacktestChange[]; mode: "merges" | "all" }> {
  let merges = options.merges;
  if (merges === undefined) {
    const { stdout } = await run("git", ["-C", repo, "rev-list", "--first-parent", "--merges", "-n", "1", options.ref]);
    merges = stdout.trim() !== "";
  }
  const args = ["-C", repo, "log", "--first-parent", "--format=%H%x00%P%x00%ct%x00%s", ...(merges ? ["--merges"] : [])];
  if (options.since) args.push(`--since=${options.since}`);
  if (options.last !== undefined) args.push("-n", String(options.last));
  args.push(options.ref, "--");
  const { stdout } = await run("git", args, { maxBuffer: 256 * 1024 * 1024 });
  const changes: BacktestChange[] = [];
  for (const line of stdout.split("\n")) {
    if (!line) continue;
    const [sha, parents, time, subject] = line.split("\0");
    const parent = parents?.split(" ")[0];
    if (!sha || !parent) continue; // the root commit has nothing to compare with
    changes.push({ sha, parent, time: Number(time), subject: subject ?? "" });
  }
  return { changes: changes.reverse(), mode: merges ? "merges" : "all" };
}

/** ISO 8601 week of a date, e.g. 2026-W07. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

export function summarise(repo: string, ref: string, mode: "merges" | "all", entries: BacktestEntry[], seconds: number): BacktestSummary {
  const count = (map: Record<string, number>, key: string) => {
    map[key] = (map[key] ?? 0) + 1;
  };
  const conclusions: Record<string, number> = {};
  const triggers: Record<string, number> = {};
  const reviewTypes: Record<string, number> = {};
  const rules: Record<string, { failed: number; warned: number }> = {};
  const failed: BacktestSummary["failed"] = [];
  const errors: BacktestSummary["errors"] = [];
  const weeks = new Map<string, { week: string; changes: number; reviews: number; failures: number }>();
  for (const e of entries) {
    count(conclusions, e.conclusion);
    for (const t of e.triggers) count(triggers, t);
    for (const t of e.reviewTypes) count(reviewTypes, t);
    const byRule = new Map<string, "error" | "warning">();
    for (const f of e.findings) if (byRule.get(f.rule) !== "error") byRule.set(f.rule, f.severity);
    for (const [rule, severity] of byRule) {
      rules[rule] ??= { failed: 0, warned: 0 };
      if (severity === "error") rules[rule].failed++;
      else rules[rule].warned++;
    }
    for (const f of e.findings.filter((x) => x.severity === "error")) {
      failed.push({ sha: e.sha.slice(0, 10), subject: e.subject, date: e.date, rule: f.rule, where: f.line ? `${f.file}:${f.line}` : f.file });
    }
    if (e.conclusion === "error") errors.push({ sha: e.sha.slice(0, 10), subject: e.subject, problems: e.problems });
    const week = isoWeek(new Date(e.date));
    const w = weeks.get(week) ?? { week, changes: 0, reviews: 0, failures: 0 };
    w.changes++;
    if (e.reviewTypes.length > 0) w.reviews++;
    if (e.conclusion === "failure" || e.conclusion === "error") w.failures++;
    weeks.set(week, w);
  }
  return {
    repo,
    ref,
    mode,
    changes: entries.length,
    from: entries[0]?.date ?? null,
    to: entries.at(-1)?.date ?? null,
    seconds,
    conclusions,
    triggers: sortByCount(triggers),
    reviewTypes: sortByCount(reviewTypes),
    rules: Object.fromEntries(
      Object.entries(rules).sort((a, b) => b[1].failed - a[1].failed || b[1].warned - a[1].warned || a[0].localeCompare(b[0])),
    ),
    failed,
    errors,
    weeks: [...weeks.values()].sort((a, b) => a.week.localeCompare(b.week)),
    entries,
  };
}

function sortByCount(map: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(map).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

function pct(n: number, total: number): string {
  return total === 0 ? "0%" : `${Math.round((n / total) * 100)}%`;
}

export function renderText(s: BacktestSummary): string {
  const lines: string[] = [];
  const total = s.changes;
  lines.push(
    `archgate backtest of ${s.repo} (${s.ref}): ${total} ${s.mode === "merges" ? "merged PRs (first-parent merges)" : "first-parent commits"}, ${s.from ?? "-"} to ${s.to ?? "-"}, ${s.seconds.toFixed(1)} s`,
  );
  lines.push("");
  lines.push(
    `Would have passed ${s.conclusions.success ?? 0} (${pct(s.conclusions.success ?? 0, total)}), failed ${s.conclusions.failure ?? 0} (${pct(s.conclusions.failure ?? 0, total)}), not run ${s.conclusions.error ?? 0} (${pct(s.conclusions.error ?? 0, total)}).`,
  );
  const table = (title: string, head: string[], rows: string[][]) => {
    lines.push("", title);
    if (rows.length === 0) {
      lines.push("  (none)");
      return;
    }
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`;
    lines.push(fmt(head), `  ${widths.map((w) => "-".repeat(w)).join("  ")}`, ...rows.map(fmt));
  };
  table(
    "Triggers",
    ["trigger", "changes", "share"],
    Object.entries(s.triggers).map(([k, v]) => [k, String(v), pct(v, total)]),
  );
  table(
    "Review types required",
    ["review type", "changes", "share"],
    Object.entries(s.reviewTypes).map(([k, v]) => [k, String(v), pct(v, total)]),
  );
  table(
    "Rules",
    ["rule", "would fail", "would warn"],
    Object.entries(s.rules).map(([k, v]) => [k, String(v.failed), String(v.warned)]),
  );
  table(
    "Review load per week",
    ["week", "changes", "reviews", "failures"],
    s.weeks.map((w) => [w.week, String(w.changes), String(w.reviews), String(w.failures)]),
  );
  lines.push("", `Would have failed (${s.failed.length} findings)`);
  for (const f of s.failed) lines.push(`  ${f.sha}  ${f.date}  ${f.rule}  ${f.where}  ${f.subject}`);
  if (s.errors.length > 0) {
    lines.push("", `Could not be reviewed (${s.errors.length}; the gate fails closed on these)`);
    for (const e of s.errors) lines.push(`  ${e.sha}  ${e.subject}: ${e.problems[0] ?? ""}`);
  }
  return `${lines.join("\n")}\n`;
}

export function renderJson(s: BacktestSummary): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** An inline SVG chart: bars of changes needing review per week, failures in front, a line-free legend. */
export function weeklyChart(weeks: BacktestSummary["weeks"]): string {
  const width = 900;
  const height = 260;
  const left = 40;
  const bottom = 40;
  const top = 20;
  const max = Math.max(1, ...weeks.map((w) => w.changes));
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const barW = weeks.length > 0 ? plotW / weeks.length : plotW;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Review load and failures per week">`,
  );
  for (let i = 0; i <= 4; i++) {
    const v = Math.round((max * i) / 4);
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" fill="#6b7280">${v}</text>`);
  }
  weeks.forEach((w, i) => {
    const x = left + i * barW + barW * 0.1;
    const bw = Math.max(1, barW * 0.8);
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(w.changes).toFixed(1)}" width="${bw.toFixed(1)}" height="${(top + plotH - y(w.changes)).toFixed(1)}" fill="#d1d5db"><title>${esc(w.week)}: ${w.changes} changes</title></rect>`,
    );
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(w.reviews).toFixed(1)}" width="${bw.toFixed(1)}" height="${(top + plotH - y(w.reviews)).toFixed(1)}" fill="#3b82f6"><title>${esc(w.week)}: ${w.reviews} needed a review</title></rect>`,
    );
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(w.failures).toFixed(1)}" width="${bw.toFixed(1)}" height="${(top + plotH - y(w.failures)).toFixed(1)}" fill="#dc2626"><title>${esc(w.week)}: ${w.failures} would have failed</title></rect>`,
    );
    const every = Math.ceil(weeks.length / 12);
    if (i % every === 0)
      parts.push(
        `<text x="${(x + bw / 2).toFixed(1)}" y="${height - bottom + 16}" font-size="10" text-anchor="middle" fill="#374151">${esc(w.week)}</text>`,
      );
  });
  const legend = [
    ["#d1d5db", "changes"],
    ["#3b82f6", "needed a review"],
    ["#dc2626", "would have failed"],
  ];
  legend.forEach(([color, label], i) => {
    parts.push(
      `<rect x="${left + i * 170}" y="${height - 14}" width="12" height="12" fill="${color}"/><text x="${left + i * 170 + 18}" y="${height - 4}" font-size="12" fill="#111827">${label}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

export function renderHtml(s: BacktestSummary): string {
  const total = s.changes;
  const rows = (cells: string[][]) =>
    cells.map((r) => `<tr>${r.map((c) => (/^\d+%?$/.test(c) ? `<td class="n">${c}</td>` : `<td>${c}</td>`)).join("")}</tr>`).join("\n");
  const section = (title: string, head: string[], body: string[][]) =>
    `<h2>${esc(title)}</h2>\n${body.length === 0 ? "<p>None.</p>" : `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>\n${rows(body)}\n</tbody></table>`}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>archgate backtest: ${esc(s.repo)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:960px;color:#111827;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #e5e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.kpi{display:flex;gap:1rem;margin:1rem 0}.kpi div{border:1px solid #e5e7eb;border-radius:6px;padding:.6rem 1rem}.kpi b{display:block;font-size:1.4rem}
code{font-size:12px}
</style></head><body>
<h1>What archgate would have done: ${esc(s.repo)}</h1>
<p>${total} ${s.mode === "merges" ? "merged pull requests (first-parent merges)" : "first-parent commits"} of <code>${esc(s.ref)}</code> from ${esc(s.from ?? "-")} to ${esc(s.to ?? "-")}, each reviewed against its first parent (${s.seconds.toFixed(1)} s).</p>
<div class="kpi"><div><b>${s.conclusions.success ?? 0}</b>would have passed (${pct(s.conclusions.success ?? 0, total)})</div><div><b>${s.conclusions.failure ?? 0}</b>would have failed (${pct(s.conclusions.failure ?? 0, total)})</div><div><b>${s.conclusions.error ?? 0}</b>could not be reviewed</div><div><b>${Object.values(s.reviewTypes).length === 0 ? 0 : s.entries.filter((e) => e.reviewTypes.length > 0).length}</b>needed a review</div></div>
<h2>Review load and failures per week</h2>
${weeklyChart(s.weeks)}
${section(
  "Triggers",
  ["trigger", "changes", "share"],
  Object.entries(s.triggers).map(([k, v]) => [esc(k), String(v), pct(v, total)]),
)}
${section(
  "Review types required",
  ["review type", "changes", "share"],
  Object.entries(s.reviewTypes).map(([k, v]) => [esc(k), String(v), pct(v, total)]),
)}
${section(
  "Rules",
  ["rule", "PRs it would fail", "PRs it would warn"],
  Object.entries(s.rules).map(([k, v]) => [esc(k), String(v.failed), String(v.warned)]),
)}
${section(
  "Would have failed",
  ["commit", "date", "rule", "where", "subject"],
  s.failed.map((f) => [`<code>${esc(f.sha)}</code>`, esc(f.date), esc(f.rule), `<code>${esc(f.where)}</code>`, esc(f.subject)]),
)}
${
  s.errors.length > 0
    ? section(
        "Could not be reviewed",
        ["commit", "problem", "subject"],
        s.errors.map((e) => [`<code>${esc(e.sha)}</code>`, esc(e.problems[0] ?? ""), esc(e.subject)]),
      )
    : ""
}
</body></html>
`;
}

export interface BacktestIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Progress bar on stderr. */
  progress: boolean;
  /** `archgate check`'s review of one change (src/cli.ts), so a backtest judges exactly as the CLI does. */
  check: (options: { repo: string; base: string; head: string; configFile?: string | undefined; cwd: string }) => Promise<Report>;
}

const OPTIONS = {
  repo: { type: "string" },
  ref: { type: "string" },
  since: { type: "string" },
  last: { type: "string" },
  merges: { type: "boolean" },
  all: { type: "boolean" },
  config: { type: "string" },
  format: { type: "string" },
  output: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function runBacktest(argv: string[], io: BacktestIO): Promise<number> {
  let values: Partial<Record<keyof typeof OPTIONS, string | boolean>>;
  try {
    ({ values } = parseArgs({ args: argv, allowPositionals: false, strict: true, options: OPTIONS }));
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  if (values.help) {
    io.stdout(BACKTEST_USAGE);
    return 0;
  }
  const format = (values.format as string | undefined) ?? "text";
  if (!["text", "json", "html"].includes(format)) return usage(io, `--format must be text, json or html, not "${format}"`);
  if (values.merges && values.all) return usage(io, "--merges and --all exclude each other");
  let last: number | undefined;
  if (values.last !== undefined) {
    last = Number(values.last);
    if (!Number.isInteger(last) || last <= 0) return usage(io, `--last must be a positive number, not "${values.last}"`);
  } else if (values.since === undefined) last = 200;
  const repo = resolve(io.cwd, (values.repo as string | undefined) ?? ".");
  const ref = (values.ref as string | undefined) ?? "HEAD";
  const started = performance.now();
  let listed: Awaited<ReturnType<typeof listChanges>>;
  try {
    listed = await listChanges(repo, {
      ref,
      since: values.since as string | undefined,
      last,
      merges: values.merges ? true : values.all ? false : undefined,
    });
  } catch (error) {
    io.stderr(`archgate: --repo ${repo}: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim()}\n`);
    return 2;
  }
  const entries: BacktestEntry[] = [];
  const total = listed.changes.length;
  for (const [i, change] of listed.changes.entries()) {
    const t0 = performance.now();
    const date = new Date(change.time * 1000).toISOString().slice(0, 10);
    try {
      const report = await io.check({ repo, base: change.parent, head: change.sha, configFile: values.config as string | undefined, cwd: io.cwd });
      entries.push({
        sha: change.sha,
        subject: change.subject,
        date,
        conclusion: report.conclusion,
        triggers: report.triggers.map((t) => t.id),
        reviewTypes: report.reviewTypes.map((t) => t.id),
        findings: report.findings
          .filter((f) => !f.waived)
          .map((f) => ({ rule: f.rule, severity: f.severity, file: f.file, line: f.line ?? null, id: f.id })),
        problems: report.problems.map((p) => (p.file ? `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}` : p.message)),
        ms: Math.round(performance.now() - t0),
      });
    } catch (error) {
      // An invalid config at that parent, an unreadable revision: the gate would have failed closed.
      entries.push({
        sha: change.sha,
        subject: change.subject,
        date,
        conclusion: "error",
        triggers: [],
        reviewTypes: [],
        findings: [],
        problems: [((error as Error).message ?? String(error)).split("\n")[0]!],
        ms: Math.round(performance.now() - t0),
      });
    }
    if (io.progress) {
      const done = i + 1;
      const width = 30;
      const filled = Math.round((done / total) * width);
      io.stderr(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${change.sha.slice(0, 10)}`);
    }
  }
  if (io.progress && total > 0) io.stderr("\n");
  const summary = summarise(repo, ref, listed.mode, entries, (performance.now() - started) / 1000);
  const text = format === "json" ? renderJson(summary) : format === "html" ? renderHtml(summary) : renderText(summary);
  if (values.output) {
    const path = resolve(io.cwd, values.output as string);
    writeFileSync(path, text);
    io.stderr(`archgate: backtest of ${total} changes written to ${path}\n`);
  } else io.stdout(text);
  return 0;
}

function usage(io: BacktestIO, message: string): number {
  io.stderr(`archgate: ${message}\n\n${BACKTEST_USAGE}`);
  return 2;
}
