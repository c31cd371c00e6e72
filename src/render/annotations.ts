import type { Report } from "../engine/types.js";

/** A check-run annotation (GitHub's shape). */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "failure" | "warning" | "notice";
  title: string;
  message: string;
}

/** Annotations for every finding and for problems located in a file; GitHub accepts 50 per request. */
export function renderAnnotations(report: Report): Annotation[] {
  const annotations: Annotation[] = report.findings.map((f) => ({
    path: f.file,
    start_line: f.line ?? 1,
    end_line: f.endLine ?? f.line ?? 1,
    annotation_level: f.severity === "error" && !f.waived ? "failure" : "warning",
    title: `${f.id} ${f.title}${f.waived ? " (waived)" : ""}`,
    message: [
      f.message,
      ...(f.waiver
        ? [`Waived by @${f.waiver.by} on ${f.waiver.at.slice(0, 10)}${f.waiver.until ? ` until ${f.waiver.until}` : ""}: ${f.waiver.reason}`]
        : []),
      ...(f.remediation ? [`Fix: ${f.remediation}`] : []),
    ].join("\n\n"),
  }));
  for (const p of report.problems) {
    if (!p.file) continue;
    annotations.push({
      path: p.file,
      start_line: p.line ?? 1,
      end_line: p.line ?? 1,
      annotation_level: "failure",
      title: "archgate could not review this file",
      message: p.message,
    });
  }
  return annotations;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
