import type { z } from "zod";
import type { Category, DimensionId, ReviewTypeId, Severity } from "./vocabulary.js";
import type { ReviewContext } from "./context.js";

/** Why a trigger fired, for one file. */
export interface TriggerHit {
  file: string;
  reason: string;
  line?: number;
}

/** A built-in trigger detector: one module each under src/triggers/. */
export interface TriggerModule {
  id: string;
  title: string;
  /** One sentence for docs and the comment: what kind of change this is. */
  description: string;
  reviewType: ReviewTypeId;
  dimensions: DimensionId[];
  detect(ctx: ReviewContext): Promise<TriggerHit[]>;
}

/** What a rule reports; the engine adds id, severity, category and waiver state. */
export interface FindingDraft {
  file: string;
  /** 1-based line at head (or at base for things that were removed). */
  line?: number;
  endLine?: number;
  message: string;
  remediation?: string;
  /**
   * What makes this finding distinct within its file (e.g. "DELETE /pets/{id}", "users.email").
   * Feeds the stable finding id, so it must not depend on line numbers.
   */
  key?: string;
  /**
   * Advisory findings of a rule that is otherwise a hard constraint (e.g. a non-concurrent index next to
   * dropped columns): reported as a warning even when the rule's severity is `error`; never raises it.
   */
  advisory?: boolean;
}

export interface Finding extends FindingDraft {
  /** Stable across pushes: rule + file + key. Waivers and annotations refer to it. */
  id: string;
  rule: string;
  title: string;
  severity: Exclude<Severity, "off">;
  category: Category;
  waived: boolean;
}

/** A hard-constraint rule: one module each under src/rules/. */
export interface RuleModule<Options = Record<string, unknown>> {
  id: string;
  title: string;
  category: Category;
  defaultSeverity: Severity;
  /** One sentence: what the rule catches. The docs page is docs/rules/<id>.md. */
  description: string;
  /** Rule options (zod object with defaults); becomes `rules.<id>` in the config next to `severity`. */
  options?: z.ZodObject;
  evaluate(ctx: ReviewContext, options: Options): Promise<FindingDraft[]>;
}

export interface ReportTrigger {
  id: string;
  title: string;
  files: string[];
  reason: string;
  hits: TriggerHit[];
}

export interface ChecklistItem {
  id: string;
  text: string;
  /** Only shown when one of these review types is required; all types when absent. */
  reviewTypes?: ReviewTypeId[];
}

export interface ChecklistSection {
  dimension: DimensionId;
  title: string;
  items: { id: string; text: string }[];
}

export type Conclusion = "success" | "failure" | "error";

export interface Report {
  schemaVersion: 1;
  base: string;
  head: string;
  triggers: ReportTrigger[];
  reviewTypes: { id: ReviewTypeId; title: string }[];
  checklist: ChecklistSection[];
  findings: Finding[];
  conclusion: Conclusion;
  /** Things the reader should know: files skipped, what could not be judged. */
  notes: string[];
  /** Why the review could not run or could not see everything (conclusion `error`). */
  problems: Problem[];
}

/** Something that stopped the review from seeing the change whole. Any problem fails the gate closed. */
export interface Problem {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}
