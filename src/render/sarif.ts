/**
 * SARIF 2.1.0 (the format GitHub code scanning, VS Code's SARIF viewer and most CI dashboards read): one run whose
 * tool driver is `archgate`, one rule entry per rule, one result per finding. A finding keeps its one id (the one in
 * the comment, the JSON and waivers) as `partialFingerprints`, so code scanning tracks it across pushes; waived
 * findings are results with an external suppression; problems that stopped the review are tool execution
 * notifications of a failed invocation.
 */
import type { Report, RuleMeta } from "../engine/types.js";
import type { Severity } from "../engine/vocabulary.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
/** The key under which a result carries archgate's finding id. */
export const FINGERPRINT_KEY = "archgateFindingId/v1";

export interface SarifOptions {
  /** The rules the review knew (run or switched off), for the driver's rule list. */
  rules: readonly Pick<RuleMeta, "id" | "title" | "description" | "category" | "defaultSeverity" | "remediation">[];
  /** archgate's version (package.json). */
  version: string;
  /** The absolute URL of a rule's documentation page, when it has one. */
  helpUri?: (ruleId: string) => string | undefined;
  /** archgate's home page. */
  informationUri?: string;
}

type Level = "error" | "warning" | "note" | "none";

export function sarifLevel(severity: Severity): Level {
  return severity === "error" ? "error" : severity === "warning" ? "warning" : "none";
}

/** A repository-relative path as a relative URI reference (segments percent-encoded, slashes kept). */
export function relativeUri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** `breaking-api-change` → `BreakingApiChange` (SARIF's rule `name` is one word). */
function ruleName(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}

export function renderSarif(report: Report, options: SarifOptions): Record<string, unknown> {
  const metas = new Map(options.rules.map((r) => [r.id, r]));
  // A finding of a rule the caller did not list still gets an entry (its title and severity from the finding).
  for (const f of report.findings) {
    if (!metas.has(f.rule)) {
      metas.set(f.rule, { id: f.rule, title: f.title, description: f.title, category: f.category, defaultSeverity: f.severity });
    }
  }
  const ruleIds = [...metas.keys()].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => {
    const meta = metas.get(id)!;
    const helpUri = options.helpUri?.(id);
    return {
      id,
      name: ruleName(id),
      shortDescription: { text: meta.title },
      fullDescription: { text: meta.description },
      ...(meta.remediation ? { help: { text: meta.remediation } } : {}),
      ...(helpUri ? { helpUri } : {}),
      defaultConfiguration: { level: sarifLevel(meta.defaultSeverity) },
      properties: { category: meta.category, tags: ["architecture", meta.category] },
    };
  });

  const results = report.findings.map((f) => {
    const text = f.remediation ? `${f.message}\n\nFix: ${f.remediation}` : f.message;
    const startLine = f.line ?? 1;
    return {
      ruleId: f.rule,
      ruleIndex: ruleIndex.get(f.rule)!,
      level: sarifLevel(f.severity),
      message: { text },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: relativeUri(f.file), uriBaseId: "%SRCROOT%" },
            region: { startLine, ...(f.endLine !== undefined && f.endLine >= startLine ? { endLine: f.endLine } : {}) },
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: f.id },
      ...(f.waived ? { suppressions: [{ kind: "external", justification: `${f.id} waived on the pull request` }] } : {}),
      properties: { findingId: f.id, category: f.category },
    };
  });

  const notifications = report.problems.map((p) => ({
    level: "error",
    message: { text: p.message },
    ...(p.file
      ? {
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: relativeUri(p.file), uriBaseId: "%SRCROOT%" },
                ...(p.line ? { region: { startLine: p.line, ...(p.column ? { startColumn: p.column } : {}) } } : {}),
              },
            },
          ],
        }
      : {}),
  }));

  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "archgate",
            version: options.version,
            semanticVersion: options.version,
            ...(options.informationUri ? { informationUri: options.informationUri } : {}),
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: report.conclusion !== "error",
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        properties: {
          conclusion: report.conclusion,
          base: report.base,
          head: report.head,
          reviewTypes: report.reviewTypes.map((t) => t.id),
          triggers: report.triggers.map((t) => t.id),
        },
      },
    ],
  };
}
