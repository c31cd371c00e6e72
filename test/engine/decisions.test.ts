import { describe, expect, it } from "vitest";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import {
  applyDecisions,
  decodeRecord,
  emptyRecord,
  encodeRecord,
  type Approval,
  type DecisionRecord,
  type Decisions,
} from "../../src/engine/decisions.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import type { Report } from "../../src/engine/types.js";

/** An expand/contract PR: the contract step drops a column the expand step stopped reading. */
const BASE = { "db/migrate/20260101000000_create_users.sql": "CREATE TABLE users (id bigint primary key, legacy_email text);\n" };
const DROP = "db/migrate/20260301000000_drop_legacy_email.sql";
const NOW = new Date("2026-03-10T12:00:00Z");

async function migrationReport(sql: string, extra: Record<string, string> = {}): Promise<Report> {
  return reviewChange(changeFromTrees(BASE, { ...BASE, [DROP]: sql, ...extra }), validateConfig({}, "test"));
}

function decisions(overrides: Partial<Decisions> = {}): Decisions {
  return { waivers: [], approvals: [], reviewers: {}, acceptedBy: "approval", recorded: emptyRecord(), ...overrides };
}

const maintainerWaiver = {
  id: "501:1",
  target: "destructive-migration",
  by: "maria",
  at: "2026-03-09T10:00:00Z",
  reason: "expand step shipped in #412",
};

describe("waivers", () => {
  it("a rule-id waiver waives every finding of the rule; the finding stays listed with who, when and why", async () => {
    const report = await migrationReport("ALTER TABLE users DROP COLUMN legacy_email;\n");
    expect(report.conclusion).toBe("failure");
    const applied = applyDecisions(report, decisions({ waivers: [maintainerWaiver] }), NOW);
    expect(applied.conclusion).toBe("success");
    expect(applied.findings.map((f) => [f.id, f.file, f.line, f.waived, f.waiver])).toEqual([
      [report.findings[0]!.id, DROP, 1, true, { by: "maria", at: "2026-03-09T10:00:00Z", reason: "expand step shipped in #412" }],
    ]);
    expect(applied.decisions!.waivers).toEqual(
      [{ ...maintainerWaiver, id: undefined, findings: [report.findings[0]!.id] }].map(({ id: _, ...w }) => w),
    );
    expect(applied.decisions!.record.waivers).toEqual({ [`501:1:${report.findings[0]!.id}`]: report.findings[0]!.fingerprint });
    // The input report is not changed.
    expect(report.findings[0]!.waived).toBe(false);
  });

  it("a finding-id waiver matches case-insensitively and waives only that finding", async () => {
    const report = await migrationReport("ALTER TABLE users DROP COLUMN legacy_email;\nDROP TABLE audit_log;\n");
    const [first, second] = report.findings;
    expect(report.findings).toHaveLength(2);
    const applied = applyDecisions(report, decisions({ waivers: [{ ...maintainerWaiver, target: first!.id.toLowerCase() }] }), NOW);
    expect(applied.findings.map((f) => [f.id, f.waived])).toEqual([
      [first!.id, true],
      [second!.id, false],
    ]);
    expect(applied.conclusion).toBe("failure");
  });

  it("lapses when a later push changes the statement it waived, not when lines only move or other files change", async () => {
    const first = await migrationReport("ALTER TABLE users DROP COLUMN legacy_email;\n");
    const recorded: DecisionRecord = applyDecisions(first, decisions({ waivers: [maintainerWaiver] }), NOW).decisions!.record;

    const moved = await migrationReport("-- contract step of #412\nALTER TABLE users DROP COLUMN legacy_email;\n", {
      "src/users.ts": "export {};\n",
    });
    const kept = applyDecisions(moved, decisions({ waivers: [maintainerWaiver], recorded }), NOW);
    expect(kept.findings.map((f) => [f.line, f.waived])).toEqual([[2, true]]);
    expect(kept.conclusion).toBe("success");
    expect(kept.decisions!.lapsed).toEqual([]);

    const changed = await migrationReport("ALTER TABLE users DROP COLUMN IF EXISTS legacy_email CASCADE;\n");
    expect(changed.findings[0]!.id).toBe(first.findings[0]!.id);
    const lapsed = applyDecisions(changed, decisions({ waivers: [maintainerWaiver], recorded }), NOW);
    expect(lapsed.conclusion).toBe("failure");
    expect(lapsed.findings.map((f) => f.waived)).toEqual([false]);
    expect(lapsed.decisions!.lapsed).toEqual([
      {
        target: "destructive-migration",
        finding: first.findings[0]!.id,
        by: "maria",
        at: "2026-03-09T10:00:00Z",
        reason: "expand step shipped in #412",
        why: `a later push changed what it waived (${first.findings[0]!.id} in ${DROP})`,
      },
    ]);
    // The original binding stays recorded, so the waiver stays lapsed on the next evaluation too.
    expect(lapsed.decisions!.record.waivers).toEqual(recorded.waivers);
  });

  it("lapses after its until date (the whole day counts)", async () => {
    const report = await migrationReport("ALTER TABLE users DROP COLUMN legacy_email;\n");
    const until = { ...maintainerWaiver, until: "2026-03-10" };
    expect(applyDecisions(report, decisions({ waivers: [until] }), NOW).conclusion).toBe("success");
    const later = applyDecisions(report, decisions({ waivers: [until] }), new Date("2026-03-11T00:00:01Z"));
    expect(later.conclusion).toBe("failure");
    expect(later.decisions!.lapsed.map((l) => l.why)).toEqual(["it expired on 2026-03-10"]);
  });
});

const SPEC = (extra: string) =>
  `openapi: 3.0.3\ninfo:\n  title: Pets\n  version: 1.0.0\npaths:\n  /pets:\n    get:\n      responses:\n        "200":\n          description: ok\n${extra}`;
const DELETE_OP = '  /pets/{id}:\n    delete:\n      responses:\n        "204":\n          description: gone\n';
const PLAN = "## Migration plan\nClients stop calling DELETE /pets/{id} by June; the mobile app 4.2 already archives instead.\n";

async function breakingReport(description: string, config: Record<string, unknown> = {}): Promise<Report> {
  return reviewChange(
    changeFromTrees({ "api/openapi.yaml": SPEC(DELETE_OP) }, { "api/openapi.yaml": SPEC("") }, { description }),
    validateConfig(config, "test"),
  );
}

const approval = (overrides: Partial<Approval>): Approval => ({
  login: "bob",
  at: "2026-03-09T11:00:00Z",
  commitId: "HEAD",
  writer: true,
  waiveAuthority: false,
  reviewTypes: [],
  ...overrides,
});

describe("migration plans", () => {
  it("a declared plan leaves the break an error awaiting acceptance; a writer's approval of the current head accepts it", async () => {
    const report = await breakingReport(PLAN);
    expect(report.findings.map((f) => [f.rule, f.file, f.line, f.severity, f.migrationPlan])).toEqual([
      // The removed operation is annotated on its path item, still there at head (line 5).
      ["breaking-api-change", "api/openapi.yaml", 5, "error", "awaiting-acceptance"],
    ]);
    expect(report.conclusion).toBe("failure");
    const head = report.head;
    const accepted = applyDecisions(report, decisions({ approvals: [approval({ commitId: head })] }), NOW);
    expect(accepted.conclusion).toBe("success");
    expect(accepted.findings[0]!.waiver).toEqual({ by: "bob", at: "2026-03-09T11:00:00Z", reason: "migration plan accepted by an approving review" });
    expect(accepted.decisions!.acceptedPlans).toEqual([{ finding: report.findings[0]!.id, by: "bob", at: "2026-03-09T11:00:00Z" }]);
  });

  it("an approval of an earlier head, or by a reader, does not accept it; acceptedBy: waiver ignores approvals", async () => {
    const report = await breakingReport(PLAN);
    expect(applyDecisions(report, decisions({ approvals: [approval({ commitId: "an-earlier-head" })] }), NOW).conclusion).toBe("failure");
    expect(applyDecisions(report, decisions({ approvals: [approval({ commitId: report.head, writer: false })] }), NOW).conclusion).toBe("failure");
    expect(applyDecisions(report, decisions({ acceptedBy: "waiver", approvals: [approval({ commitId: report.head })] }), NOW).conclusion).toBe(
      "failure",
    );
  });

  it("placeholder plans never count: TBD, TODO, n/a, under ten words", async () => {
    for (const plan of ["TBD", "todo", "n/a", "- [ ] TODO", "Clients will migrate soon enough."]) {
      const report = await breakingReport(`## Migration plan\n${plan}\n`);
      expect(report.findings.map((f) => f.migrationPlan)).toEqual(["placeholder"]);
      expect(applyDecisions(report, decisions({ approvals: [approval({ commitId: report.head })] }), NOW).conclusion).toBe("failure");
    }
  });

  it("acceptedBy: author keeps the old behaviour: a real plan accepts the break on its own (a placeholder does not)", async () => {
    const config = { migrationPlan: { acceptedBy: "author" } };
    expect((await breakingReport(PLAN, config)).findings).toEqual([]);
    expect((await breakingReport("## Migration plan\nTBD\n", config)).findings.map((f) => f.migrationPlan)).toEqual(["placeholder"]);
  });
});

describe("outcomes and required reviewers", () => {
  const serviceReport = (): Report => ({
    schemaVersion: 1,
    base: "b".repeat(40),
    head: "h".repeat(40),
    triggers: [{ id: "new-service", title: "New service", files: ["services/cart/Dockerfile"], reason: "adds service cart", hits: [] }],
    reviewTypes: [{ id: "service-design", title: "Service design review" }],
    checklist: [],
    findings: [],
    conclusion: "success",
    notes: [],
    problems: [],
  });
  const reviewers: Decisions["reviewers"] = { "service-design": { teams: ["acme/architects"], users: [], count: 1 } };
  const rejected = {
    id: "601:1",
    outcome: "rejected" as const,
    by: "lead",
    at: "2026-03-09T12:00:00Z",
    reason: "reuse the orders service",
    conditions: [],
  };

  it("a blocking outcome fails a PR that otherwise passes; a later accepted outcome passes it again", () => {
    const failed = applyDecisions(serviceReport(), decisions({ outcome: rejected }), NOW);
    expect(failed.conclusion).toBe("failure");
    expect(failed.decisions!.outcome).toEqual({ ...rejected, reviewTypes: ["service-design"] });
    const accepted = applyDecisions(serviceReport(), decisions({ outcome: { ...rejected, id: "602:1", outcome: "accepted" } }), NOW);
    expect(accepted.conclusion).toBe("success");
  });

  it("required reviewers: waits for a qualifying approval on the current head; an accepted outcome also satisfies it", () => {
    const report = serviceReport();
    const waiting = applyDecisions(report, decisions({ reviewers }), NOW);
    expect(waiting.conclusion).toBe("failure");
    expect(waiting.decisions!.reviews).toEqual([
      { reviewType: "service-design", title: "Service design review", reviewers: ["@acme/architects"], count: 1, approvedBy: [] },
    ]);
    const stale = applyDecisions(report, decisions({ reviewers, approvals: [approval({ reviewTypes: ["service-design"], commitId: "old" })] }), NOW);
    expect(stale.conclusion).toBe("failure");
    const outsider = applyDecisions(report, decisions({ reviewers, approvals: [approval({ commitId: report.head })] }), NOW);
    expect(outsider.conclusion).toBe("failure");
    const approved = applyDecisions(
      report,
      decisions({ reviewers, approvals: [approval({ reviewTypes: ["service-design"], commitId: report.head })] }),
      NOW,
    );
    expect([approved.conclusion, approved.decisions!.reviews[0]!.satisfiedBy, approved.decisions!.reviews[0]!.approvedBy]).toEqual([
      "success",
      "approvals",
      ["bob"],
    ]);
    const byOutcome = applyDecisions(report, decisions({ reviewers, outcome: { ...rejected, outcome: "accepted" } }), NOW);
    expect([byOutcome.conclusion, byOutcome.decisions!.reviews[0]!.satisfiedBy]).toEqual(["success", "outcome"]);
  });

  it("an outcome lapses when a later push requires a review type it did not cover", () => {
    const first = applyDecisions(serviceReport(), decisions({ reviewers, outcome: { ...rejected, outcome: "accepted" } }), NOW);
    const later = { ...serviceReport(), reviewTypes: [...serviceReport().reviewTypes, { id: "data" as const, title: "Data review" }] };
    const applied = applyDecisions(
      later,
      decisions({ reviewers, outcome: { ...rejected, outcome: "accepted" }, recorded: first.decisions!.record }),
      NOW,
    );
    expect(applied.decisions!.outcome!.lapsed).toBe("a later push requires Data review, which the outcome did not cover");
    expect(applied.conclusion).toBe("failure");
  });
});

describe("the app's record", () => {
  it("round-trips through the hidden marker and ignores what does not parse", () => {
    const record: DecisionRecord = {
      waivers: { "501:1:DATA-d47b7d": "fe08be1a" },
      outcomes: { "601:1": ["service-design"] },
      requested: ["service-design"],
    };
    expect(decodeRecord(`text\n${encodeRecord(record)}\n`)).toEqual(record);
    expect(decodeRecord("<!-- archgate:record {not json -->")).toEqual(emptyRecord());
    expect(decodeRecord(undefined)).toEqual(emptyRecord());
  });
});
