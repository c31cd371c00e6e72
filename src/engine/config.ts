/**
 * The configuration the engine reads, as resolved values. The engine declares the shape it needs; the
 * zod schema in src/config/ (the single source of truth for validation, defaults and docs) produces a
 * value of this shape, which src/config/schema.ts checks at compile time.
 */
import type { DimensionId, ReviewTypeId, Severity } from "./vocabulary.js";

export interface ChecklistItem {
  id: string;
  text: string;
  /** Only shown when one of these review types is required; all types when absent. */
  reviewTypes?: ReviewTypeId[];
}

export interface CustomTriggerConfig {
  id: string;
  title: string;
  reviewType: ReviewTypeId;
  dimensions: DimensionId[];
  paths: string[];
  excludePaths: string[];
  /** Regular expressions: a file hits only if a line the PR adds or removes matches one. */
  content: string[];
  reason?: string | undefined;
}

export interface RuleSetting {
  severity: Severity;
  options: Record<string, unknown>;
}

export interface ServiceConfig {
  paths: string[];
  tables: string[];
  owner?: string | undefined;
}

export interface EngineConfig {
  ignorePaths: string[];
  limits: {
    maxFileBytes: number;
    /** Per-path limits: the first entry whose globs match a file applies. */
    paths: { paths: string[]; maxFileBytes: number }[];
  };
  triggers: {
    disabled: string[];
    custom: CustomTriggerConfig[];
    reviewTypes: Record<string, ReviewTypeId>;
    dimensions: Record<string, DimensionId[]>;
  };
  checklist: Record<DimensionId, ChecklistItem[]>;
  /** Severity and options per rule id; a rule with no entry runs with its defaults. */
  rules: Record<string, RuleSetting>;
  migrationPlan: {
    heading: string;
    /**
     * Who accepts a declared plan: `approval` (a user with waive authority, or an approving review on the
     * current head by a writer who is not the author), `waiver` (only a waiver), `author` (declaring it is enough).
     */
    acceptedBy: "approval" | "waiver" | "author";
  };
  services: Record<string, ServiceConfig>;
}
