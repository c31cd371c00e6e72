import type { ConfigError } from "../config/load.js";
import type { Report } from "../engine/types.js";
import { redactTokens } from "../formats/source/secrets.js";
import { renderAnnotations, type Annotation } from "../render/annotations.js";
import { code, renderCheckRun } from "../render/markdown.js";

/** GitHub's limit for `output.summary` and `output.text`. */
export const CHECK_OUTPUT_LIMIT = 65_535;

/** What the "Architecture review" check run concludes with: the gate's verdict and how it is shown. */
export interface CheckResult {
  conclusion: "success" | "failure";
  output: { title: string; summary: string; text?: string };
  annotations: Annotation[];
}

/** The gate's verdict on a report: failure for unwaived errors and for reviews that could not run. */
export function resultFromReport(report: Report, extraNotes: string[] = []): CheckResult {
  const output = renderCheckRun(report, CHECK_OUTPUT_LIMIT - 2_000);
  const summary = extraNotes.length > 0 ? `${output.summary}\n\n${extraNotes.map((n) => `> ${n}`).join("\n")}` : output.summary;
  // A token committed as part of a path must not be published with it (the annotation's path stays:
  // GitHub needs it to place the annotation, and shows it only next to the file itself).
  return {
    conclusion: report.conclusion === "success" ? "success" : "failure",
    output: { title: redactTokens(output.title), summary: redactTokens(summary), ...(output.text ? { text: redactTokens(output.text) } : {}) },
    annotations: renderAnnotations(report).map((a) => ({
      ...a,
      message: redactTokens(a.message),
      ...(a.title ? { title: redactTokens(a.title) } : {}),
    })),
  };
}

/** An invalid config fails the check, with annotations at the offending lines when the file is in this repository. */
export function resultFromConfigError(error: ConfigError, file: { path: string }, inRepository: boolean): CheckResult {
  const shown = error.issues.slice(0, 50);
  const summary = [
    `The archgate configuration is invalid, so this pull request was not reviewed. Fix the config on the default branch; the check fails until then.`,
    "",
    ...shown.map((i) => `- ${code(`${i.file}:${i.line}:${i.column}`)} ${i.key ? `${code(i.key)}: ` : ""}${i.message}`),
    ...(error.issues.length > shown.length ? [`- …and ${error.issues.length - shown.length} more`] : []),
  ].join("\n");
  return {
    conclusion: "failure",
    output: { title: `Configuration error: ${error.issues[0]?.file ?? file.path} is invalid`, summary: summary.slice(0, CHECK_OUTPUT_LIMIT) },
    // Only issues located in the repository's own file can be annotated (not those of an org or extended file).
    annotations: inRepository
      ? error.issues
          .filter((i) => i.file === file.path)
          .map((i) => ({
            path: file.path,
            start_line: i.line,
            end_line: i.line,
            annotation_level: "failure" as const,
            title: "Invalid archgate configuration",
            message: `${i.key ? `${i.key}: ` : ""}${i.message}`,
          }))
      : [],
  };
}

/** The review could not run (API failure, timeout, rate limit, a bug): fail closed and say why. */
export function resultFromEvaluationError(reason: string): CheckResult {
  return {
    conclusion: "failure",
    output: {
      title: `Review could not run: ${reason}`.slice(0, 200),
      summary: [
        `archgate could not complete the architecture review of this commit: ${reason}.`,
        "",
        "The check fails closed: a review that did not run never passes. Re-run the check once the cause is gone, or review this change by hand.",
      ].join("\n"),
    },
    annotations: [],
  };
}
