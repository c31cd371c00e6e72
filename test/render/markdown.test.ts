import { describe, expect, it } from "vitest";
import type { Report } from "../../src/engine/types.js";
import { commentHeadSha, parseCheckedItems, renderCheckRun, renderComment, renderNoReviewRequired } from "../../src/render/markdown.js";
import { renderAnnotations, chunk } from "../../src/render/annotations.js";

function report(overrides: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    base: "1111111111111111111111111111111111111111",
    head: "2222222222222222222222222222222222222222",
    triggers: [
      {
        id: "new-service",
        title: "New service",
        files: ["services/cart/Dockerfile", "services/cart/k8s/deployment.yaml"],
        reason: "adds service cart (services/cart/Dockerfile)",
        hits: [],
      },
      { id: "schema-migration", title: "Schema migration", files: ["db/migrate/20260101_drop_email.rb"], reason: "adds Rails migration", hits: [] },
    ],
    reviewTypes: [
      { id: "service-design", title: "Service design review" },
      { id: "data", title: "Data review" },
    ],
    checklist: [
      { dimension: "boundary", title: "Boundary", items: [{ id: "boundary-owner", text: "One named team owns this service." }] },
      {
        dimension: "data-consistency",
        title: "Data and consistency",
        items: [{ id: "data-expand-contract", text: "The migration is expand/contract safe | even mid-rollout." }],
      },
    ],
    findings: [
      {
        id: "DATA-79954e",
        rule: "destructive-migration",
        messageId: "drop-column",
        title: "Destructive migration",
        severity: "error",
        category: "data",
        file: "db/migrate/20260101_drop_email.rb",
        line: 3,
        message: "remove_column drops users.email",
        remediation: "Stop reading the column first, deploy, then drop it in a later release.",
        waived: false,
      },
      {
        id: "REL-d09413",
        rule: "k8s-health-probes",
        messageId: "missingProbes",
        title: "Health probes",
        severity: "warning",
        category: "reliability",
        file: "services/cart/k8s/deployment.yaml",
        line: 18,
        message: "container cart has no readinessProbe",
        waived: false,
      },
    ],
    conclusion: "failure",
    notes: [{ kind: "skipped-file", message: "binary files were not analysed: logo.png" }],
    problems: [],
    ...overrides,
  };
}

describe("renderComment", () => {
  it("renders the review plan, findings and checklist", () => {
    expect(renderComment(report())).toMatchSnapshot();
  });

  it("keeps ticked items ticked across re-renders", () => {
    const first = renderComment(report());
    const ticked = first.replace("- [ ] One named team owns this service.", "- [x] One named team owns this service.");
    const checked = parseCheckedItems(ticked);
    expect([...checked]).toEqual(["boundary-owner"]);
    const second = renderComment(report(), { checked });
    expect(second).toContain("- [x] One named team owns this service. <!-- archgate:item:boundary-owner -->");
    expect(second).toContain("- [ ] The migration is expand/contract safe \\| even mid-rollout. <!-- archgate:item:data-expand-contract -->");
  });

  it("says a draft is reviewed and shows the config preview", () => {
    const body = renderComment(report(), { draft: true, configPreview: "Would add trigger `critical-workflow`." });
    expect(body).toContain("> This pull request is a draft.");
    expect(body).toContain("### Config change preview\n\nWould add trigger `critical-workflow`.");
  });

  it("records the head SHA in the hidden marker", () => {
    expect(commentHeadSha(renderComment(report()))).toBe("2222222222222222222222222222222222222222");
  });

  it("summarises instead of exceeding the length limit and keeps the checklist", () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({
      ...report().findings[0]!,
      id: `DATA-${i.toString(16).padStart(6, "0")}`,
      line: i + 1,
    }));
    const body = renderComment(report({ findings: many }), { maxLength: 65_536, checkRunUrl: "https://example.test/runs/1" });
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain("1800 findings did not fit in this comment and are only in the [check run](https://example.test/runs/1).");
    expect(body).toContain("<!-- archgate:item:boundary-owner -->");
    expect(body).not.toContain("How to fix");
  });

  it("cuts hard at the limit as a last resort", () => {
    const body = renderComment(report(), { maxLength: 300 });
    expect(body.length).toBeLessThanOrEqual(300);
    expect(body.endsWith("see the check run.\n")).toBe(true);
  });

  it("explains that the review could not run", () => {
    const body = renderComment(
      report({ conclusion: "error", findings: [], problems: [{ file: "api/openapi.yaml", line: 12, message: "invalid YAML: bad indentation" }] }),
    );
    expect(body).toContain("⛔ **Merge blocked: the review could not run completely.**");
    expect(body).toContain("- `api/openapi.yaml:12`: invalid YAML: bad indentation");
  });

  it("renders the no-review-required body", () => {
    expect(renderNoReviewRequired(report({ triggers: [], reviewTypes: [], checklist: [], findings: [], conclusion: "success" }))).toMatchSnapshot();
  });
});

describe("renderCheckRun", () => {
  it("titles a failure by the number of violated constraints", () => {
    const out = renderCheckRun(report());
    expect(out.title).toBe("1 hard constraint violated · 1 warning");
    expect(out).toMatchSnapshot();
  });

  it("titles a success with the required review", () => {
    expect(renderCheckRun(report({ findings: [], conclusion: "success" })).title).toBe(
      "No hard constraint violated · Service design review required",
    );
  });

  it("titles an evaluation error", () => {
    const out = renderCheckRun(
      report({ conclusion: "error", problems: [{ message: "could not review all files: manual architecture review needed" }] }),
    );
    expect(out.title).toBe("Review could not run: could not review all files: manual architecture review needed");
  });
});

describe("renderAnnotations", () => {
  it("annotates findings at file and line with failure or warning level", () => {
    expect(renderAnnotations(report())).toEqual([
      {
        path: "db/migrate/20260101_drop_email.rb",
        start_line: 3,
        end_line: 3,
        annotation_level: "failure",
        title: "DATA-79954e Destructive migration",
        message: "remove_column drops users.email\n\nFix: Stop reading the column first, deploy, then drop it in a later release.",
      },
      {
        path: "services/cart/k8s/deployment.yaml",
        start_line: 18,
        end_line: 18,
        annotation_level: "warning",
        title: "REL-d09413 Health probes",
        message: "container cart has no readinessProbe",
      },
    ]);
  });

  it("chunks by 50", () => {
    expect(
      chunk(
        Array.from({ length: 120 }, (_, i) => i),
        50,
      ).map((c) => c.length),
    ).toEqual([50, 50, 20]);
  });
});
