import { describe, expect, it } from "vitest";

import { changeFromTrees, memoryChange } from "../../src/engine/memory-change.js";

import type { RuleModule, TriggerModule } from "../../src/engine/types.js";
import { testRule, testTrigger } from "../helpers/modules.js";
import { defaultConfig, parseConfig, reviewChange } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

const docsTrigger: TriggerModule = testTrigger(
  { id: "api-contract", title: "API contract", reviewType: "contract", dimensions: ["api-event", "security-privacy"] },
  async (ctx) => ctx.headFiles.filter((f) => f.path.endsWith(".yaml")).map((f) => ({ file: f.path, reason: `changes ${f.path}` })),
);

const todoRule: RuleModule = testRule({ id: "no-todo", title: "No TODO" }, async (ctx) => {
  const out = [];
  for (const f of ctx.headFiles) {
    for (const l of await ctx.addedLines(f.path))
      if (l.text.includes("TODO")) out.push({ file: f.path, line: l.line, message: "TODO added", key: l.text.trim() });
  }
  return out;
});

describe("review", () => {
  it("reports triggers, review types, the checklist and findings, and fails on an error", async () => {
    const change = changeFromTrees({ "api.yaml": "a: 1\n" }, { "api.yaml": "a: 1\nb: 2\n", "src/x.ts": "// TODO\n" });
    const report = await reviewChange(change, defaultConfig(), { triggers: [docsTrigger], rules: [todoRule] });
    expect(report.triggers).toEqual([
      {
        id: "api-contract",
        title: "API contract",
        files: ["api.yaml"],
        reason: "changes api.yaml",
        hits: [{ file: "api.yaml", reason: "changes api.yaml" }],
      },
    ]);
    expect(report.reviewTypes).toEqual([{ id: "contract", title: "Contract review" }]);
    expect(report.checklist.map((s) => s.dimension)).toEqual(["api-event", "security-privacy"]);
    expect(report.checklist[0]!.items.map((i) => i.id)).toContain("api-idempotency");
    expect(report.findings).toEqual([
      expect.objectContaining({ rule: "no-todo", file: "src/x.ts", line: 1, severity: "error", category: "maintainability", waived: false }),
    ]);
    expect(report.findings[0]!.id).toMatch(/^MAINT-[0-9a-f]{6}$/);
    expect(report.conclusion).toBe("failure");
  });

  it("keeps finding ids stable when lines move", async () => {
    const one = await reviewChange(changeFromTrees({}, { "a.ts": "// TODO x\n" }), defaultConfig(), { triggers: [], rules: [todoRule] });
    const two = await reviewChange(changeFromTrees({}, { "a.ts": "\n\n// TODO x\n" }), defaultConfig(), { triggers: [], rules: [todoRule] });
    expect(one.findings[0]!.id).toBe(two.findings[0]!.id);
    expect(two.findings[0]!.line).toBe(3);
  });

  it("fails closed when the change is incomplete", async () => {
    const change = memoryChange({ files: [], complete: false, incompleteReason: "3,000-file limit of the files API" });
    const report = await reviewChange(change, defaultConfig(), { triggers: [], rules: [] });
    expect(report.conclusion).toBe("error");
    expect(report.problems).toEqual([
      { message: "could not review all files (3,000-file limit of the files API): manual architecture review needed" },
    ]);
  });

  it("fails closed when a detector throws", async () => {
    const broken: TriggerModule = {
      ...docsTrigger,
      async detect() {
        throw new Error("boom");
      },
    };
    const report = await reviewChange(changeFromTrees({}, { "a.yaml": "x" }), defaultConfig(), { triggers: [broken], rules: [] });
    expect(report.conclusion).toBe("error");
    expect(report.problems).toEqual([{ message: "trigger api-contract could not run: boom" }]);
  });

  it("matches custom triggers by path and content, and notes skipped files", async () => {
    const config = parseConfig(
      "limits:\n  maxFileBytes: 50\ntriggers:\n  custom:\n    - id: critical-workflow\n      title: Payments workflow\n      reviewType: service-design\n      dimensions: [reliability]\n      paths: ['src/payments/**']\n      excludePaths: ['**/*.test.ts']\n      content: ['charge\\(']\n",
    );
    const change = changeFromTrees(
      {},
      {
        "src/payments/pay.ts": "export const x = 1;\ncharge(card);\n",
        "src/payments/pay.test.ts": "charge(card);\n",
        "src/payments/other.ts": "export const y = 2;\n",
        "big.txt": "x".repeat(100),
      },
    );
    const readsEverything = testRule({ id: "reads-everything" }, async (ctx) => {
      for (const f of ctx.headFiles) await ctx.text("head", f.path);
    });
    const report = await reviewChange(change, config, { triggers: [], rules: [readsEverything] });
    expect(report.triggers.map((t) => [t.id, t.files, t.hits[0]!.line])).toEqual([["critical-workflow", ["src/payments/pay.ts"], 2]]);
    expect(report.reviewTypes.map((t) => t.id)).toEqual(["service-design"]);
    expect(report.notes.map(noteText)).toEqual(["files over the size limit (50 bytes) were not analysed: big.txt"]);
    expect(report.conclusion).toBe("success");
  });

  it("turns a rule off through the config", async () => {
    const change = changeFromTrees({}, { "a.ts": "// TODO\n" });
    const config = defaultConfig();
    config.rules["no-todo"] = { severity: "off", options: {} };
    const report = await reviewChange(change, config, { triggers: [], rules: [todoRule] });
    expect(report.findings).toEqual([]);
  });
});

describe("ReviewContext.addedLines", () => {
  it("diffs base and head itself when the source omitted the patch of a modified file", async () => {
    const { ReviewContext } = await import("../../src/engine/context.js");
    const change = memoryChange({
      files: [{ path: "app.py", status: "modified", additions: 1, deletions: 0 }],
      baseTree: { "app.py": "a = 1\nb = 2\n" },
      headTree: { "app.py": "a = 1\nsecret = 3\nb = 2\n" },
    });
    const ctx = new ReviewContext(change, defaultConfig());
    expect(await ctx.addedLines("app.py")).toEqual([{ line: 2, text: "secret = 3" }]);
  });

  it("reads every line of an added file without a patch, and none of a binary one", async () => {
    const { ReviewContext } = await import("../../src/engine/context.js");
    const change = memoryChange({
      files: [
        { path: "new.txt", status: "added", additions: 2, deletions: 0 },
        { path: "logo.png", status: "added", additions: 0, deletions: 0, binary: true },
      ],
      headTree: { "new.txt": "x\r\ny\n", "logo.png": new Uint8Array([137, 80, 0, 1]) },
    });
    const ctx = new ReviewContext(change, defaultConfig());
    expect(await ctx.addedLines("new.txt")).toEqual([
      { line: 1, text: "x" },
      { line: 2, text: "y" },
      { line: 3, text: "" },
    ]);
    expect(await ctx.addedLines("logo.png")).toEqual([]);
  });
});

describe("Change.traceModule (ARCHGATE_TIMING)", () => {
  const failing: RuleModule = testRule({ id: "always-throws", title: "Always throws" }, async () => {
    throw new Error("boom");
  });

  it("is told of every trigger and rule that runs, in order, a failing one included, and changes nothing in the report", async () => {
    const trees = [{ "api.yaml": "a: 1\n" }, { "api.yaml": "a: 1\nb: 2\n", "src/x.ts": "// TODO\n" }] as const;
    const config = defaultConfig();
    const modules = { triggers: [docsTrigger], rules: [todoRule, failing] };
    const untraced = await reviewChange(changeFromTrees(...trees), config, modules);

    const traced = changeFromTrees(...trees);
    const events: { kind: string; id: string; ms: number }[] = [];
    traced.traceModule = (event) => events.push(event);
    const report = await reviewChange(traced, config, modules);
    expect(events.map((e) => `${e.kind} ${e.id}`)).toEqual(["trigger api-contract", "rule no-todo", "rule always-throws"]);
    expect(events.every((e) => Number.isFinite(e.ms) && e.ms >= 0)).toBe(true);
    expect(report).toEqual(untraced);
    expect(report.problems.map((p) => p.message)).toEqual(["rule always-throws could not run: boom"]);

    // A rule that is off and a disabled trigger do not run, so nothing is timed.
    const off = changeFromTrees(...trees);
    const none: string[] = [];
    off.traceModule = (event) => none.push(event.id);
    const quiet = defaultConfig();
    quiet.triggers.disabled.push("api-contract");
    quiet.rules["no-todo"] = { severity: "off", options: {} };
    await reviewChange(off, quiet, modules);
    expect(none).toEqual(["always-throws"]);
  });
});
