/**
 * The PR comment as a developer receives it, for five kinds of change reviewed by the real engine with
 * zero config: the demo change, a replica bump, a retirement, an OpenAPI-only change and a 40-finding
 * change. Built on the demo's orders/payments repository (fixtures/demo), so the snapshots read like
 * one team's pull requests.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import type { Report } from "../../src/engine/types.js";
import { GITHUB_BODY_LIMIT, parseCheckedItems, renderComment } from "../../src/render/markdown.js";
import { FIXTURES, readTree } from "../helpers/fixtures.js";
import { lines, type Tree } from "../helpers/review.js";

const REPO_URL = "https://github.com/acme/shop";
const demoBase = readTree(join(FIXTURES, "demo", "base"));
const demoHead = readTree(join(FIXTURES, "demo", "head"));

async function reviewed(base: Tree, head: Tree, config: Record<string, unknown> = {}): Promise<Report> {
  const report = await reviewChange(changeFromTrees(base, head), validateConfig(config, "test"));
  // Fixed revisions, so the links in the snapshots do not depend on how the in-memory change names them.
  return { ...report, base: "b".repeat(40), head: "a".repeat(40) };
}

function checklistLength(report: Report): number {
  return report.checklist.reduce((n, s) => n + s.items.length, 0);
}

function checklistIds(report: Report): string[] {
  return report.checklist.flatMap((s) => s.items.map((i) => i.id));
}

describe("the PR comment for", () => {
  it("the demo change (new payments service, refunds API, a dropped column)", async () => {
    const report = await reviewed(demoBase, demoHead);
    const body = renderComment(report, { repoUrl: REPO_URL });
    expect(body).toMatchSnapshot();
    // Errors come before warnings, each one line with its location linked at head.
    const errorsAt = body.indexOf("### ❌ Errors (3)");
    const warningsAt = body.indexOf("### ⚠️ Warnings (7)");
    expect(errorsAt).toBeGreaterThan(0);
    expect(warningsAt).toBeGreaterThan(errorsAt);
    expect(body).toContain(
      `[\`services/orders/db/migration/V2__drop_legacy_status.sql:2\`](${REPO_URL}/blob/${"a".repeat(40)}/services/orders/db/migration/V2__drop_legacy_status.sql#L2)`,
    );
    expect(body).not.toMatch(/^\|/m);
    // A removed path is annotated on `paths:` at head (line 9), and the comment links its line in the base version.
    const removed = report.findings.find((f) => f.message.startsWith("Breaking API change: GET /v1/orders/{id}: removed"))!;
    expect([removed.line, removed.baseLine]).toEqual([9, 30]);
    // The message names the base line (annotations, JSON and SARIF show only the message); the comment adds a link.
    const atBase = report.findings.filter((f) => f.baseLine !== undefined);
    expect(atBase.map((f) => [f.line, f.baseLine, f.message.includes(`(line ${f.baseLine} in the base version)`)])).toEqual([
      [9, 30, true],
      [57, 59, true],
    ]);
    expect(body).toContain(
      `[\`services/orders/openapi.yaml:9\`](${REPO_URL}/blob/${"a".repeat(40)}/services/orders/openapi.yaml#L9) ([at base](${REPO_URL}/blob/${"b".repeat(40)}/services/orders/openapi.yaml#L30))`,
    );
  });

  it("a replica bump of an existing workload", async () => {
    const head = { ...demoBase, "deploy/k8s/orders.yaml": String(demoBase["deploy/k8s/orders.yaml"]).replace("replicas: 3", "replicas: 5") };
    const report = await reviewed(demoBase, head);
    // Scaling an existing workload is a lightweight decision record, not a 20-item production readiness review.
    expect(report.triggers.map((t) => [t.id, t.reason])).toEqual([
      ["infra-change", "changes Kubernetes manifest deploy/k8s/orders.yaml (Deployment orders): only replicas"],
    ]);
    expect(report.reviewTypes.map((t) => t.id)).toEqual(["adr"]);
    expect(checklistIds(report)).toEqual(["runtime-rollout", "runtime-tuning-recorded", "cost-autoscaling"]);
    expect(renderComment(report, { repoUrl: REPO_URL })).toMatchSnapshot();
  });

  it("the retirement of a service", async () => {
    const head = Object.fromEntries(
      Object.entries(demoHead).filter(([path]) => !path.startsWith("services/payments/") && path !== "deploy/k8s/payments.yaml"),
    );
    const report = await reviewed(demoHead, head);
    expect(report.reviewTypes.map((t) => t.id)).toEqual(["decommission"]);
    // The decommission items only: no production readiness questions for a service that goes away.
    expect(checklistIds(report)).toEqual([
      "boundary-consumers-migrated",
      "api-deprecation",
      "data-archived",
      "observability-removed",
      "security-credentials-revoked",
      "runtime-traffic-drained",
      "cost-catalog",
    ]);
    expect(renderComment(report, { repoUrl: REPO_URL })).toMatchSnapshot();
  });

  it("an OpenAPI-only change", async () => {
    const head = { ...demoBase, "services/orders/openapi.yaml": demoHead["services/orders/openapi.yaml"]! };
    const report = await reviewed(demoBase, head);
    expect(report.triggers.map((t) => t.id)).toEqual(["api-contract"]);
    const body = renderComment(report, { repoUrl: REPO_URL });
    expect(body).toMatchSnapshot();
    // The API items only: no event schema owner, deduplication or dead-letter queue for a synchronous API.
    expect(checklistIds(report)).toEqual([
      "api-compatibility",
      "api-idempotency",
      "api-errors",
      "api-pagination",
      "api-deprecation",
      "security-authn",
      "security-authz",
    ]);
  });

  it("a 40-finding change: remediation once per rule, under GitHub's limit", async () => {
    const drops = Array.from({ length: 20 }, (_, i) => `ALTER TABLE orders DROP COLUMN legacy_field_${i + 1};`);
    const calls = Array.from({ length: 20 }, (_, i) => [
      `export async function notifyPartner${i + 1}(order) {`,
      `  return fetch("https://partner-${i + 1}.example.com/hooks/orders", { method: "POST", body: JSON.stringify(order) });`,
      "}",
    ]).flat();
    const head = {
      ...demoBase,
      "services/orders/db/migration/V2__drop_legacy_fields.sql": lines(...drops),
      "services/orders/src/partners.js": lines(...calls),
    };
    const report = await reviewed(demoBase, head);
    expect(report.findings).toHaveLength(40);
    const body = renderComment(report, { repoUrl: REPO_URL });
    expect(body).toMatchSnapshot();
    // Each rule's remediation is written once, with the ids it applies to.
    expect(body.match(/^\*\*Destructive migration\*\*/gm)).toHaveLength(1);
    expect(body.match(/^\*\*Outbound call without timeout\*\*/gm)).toHaveLength(1);
    expect(body.length).toBeLessThan(GITHUB_BODY_LIMIT);
  });
});

describe("the comment's limits", () => {
  it("keeps ticks and says how many findings are only in the check run when 2,000 findings do not fit", async () => {
    const report = await reviewed(demoBase, demoHead);
    const template = report.findings[0]!;
    const many = Array.from({ length: 2000 }, (_, i) => ({ ...template, id: `DATA-${i.toString(16).padStart(6, "0")}`, line: i + 1 }));
    const first = renderComment(report);
    const ticked = first.replace(/- \[ \] (.*archgate:item:api-compatibility)/, "- [x] $1");
    const body = renderComment({ ...report, findings: many }, { checked: parseCheckedItems(ticked), checkRunUrl: "https://example.test/runs/9" });
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(body).toMatch(/^\d+ findings did not fit in this comment and are only in the \[check run\]\(https:\/\/example\.test\/runs\/9\)\.$/m);
    expect(body).toMatch(/- \[x\] .*<!-- archgate:item:api-compatibility -->/);
    expect(checklistLength(report)).toBeGreaterThan(0);
  });

  it("escapes pipes, lone backticks and bidi controls from the change", async () => {
    const report = await reviewed(demoBase, demoHead);
    const hostile = { ...report.findings[0]!, message: "column `a|b` dropped \u202eevil\u202c and a lone ` tick" };
    const body = renderComment({ ...report, findings: [hostile] });
    expect(body).toContain("- **" + hostile.id + "** column \\`a\\|b\\` dropped evil and a lone \\` tick ·");
    expect(body).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });
});
