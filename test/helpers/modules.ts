/** Test doubles for the engine's modules: a rule from a function returning findings, a trigger from plain fields. */
import type { ReviewView, RuleMeta, RuleModule, TriggerHit, TriggerMeta, TriggerModule } from "../../src/engine/types.js";

export interface TestFinding {
  file: string;
  line?: number;
  message: string;
  key?: string;
  remediation?: string;
  advisory?: boolean;
}

type TestRuleMeta = Pick<RuleMeta, "id"> & Partial<Omit<RuleMeta, "id" | "messages">>;

/** A rule whose findings are whatever `find` returns; each message is reported under the message id `finding`. */
/** `find` returns the findings, or nothing for a rule that only reads (or only records problems). */
export function testRule(meta: TestRuleMeta, find: (ctx: ReviewView) => Promise<unknown>): RuleModule {
  return {
    meta: {
      title: meta.id,
      category: "maintainability",
      defaultSeverity: "error",
      description: "test double",
      ...meta,
      messages: { finding: "{{message}}" },
    },
    async evaluate(ctx) {
      const found = await find(ctx);
      for (const f of Array.isArray(found) ? (found as TestFinding[]) : []) {
        ctx.report({
          messageId: "finding",
          data: { message: f.message },
          file: f.file,
          line: f.line,
          key: f.key,
          remediation: f.remediation,
          advisory: f.advisory,
        });
      }
    },
  };
}

export function testTrigger(meta: Pick<TriggerMeta, "id"> & Partial<TriggerMeta>, detect: (ctx: ReviewView) => Promise<TriggerHit[]>): TriggerModule {
  return {
    meta: { title: meta.id, description: "test double", reviewType: "adr", dimensions: ["boundary"], ...meta },
    detect,
  };
}
