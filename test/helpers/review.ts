/**
 * Rule tests through the engine's stable entry point only: `reviewChange(change, config)` on an in-memory change,
 * every built-in trigger and rule on, findings filtered to the rule under test. Rule module internals are
 * never imported, so the tests survive changes to how rules are written.
 */
import { changeFromTrees } from "../../src/engine/memory-change.js";
import { noteText, type Problem } from "../../src/engine/types.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";

export type Tree = Record<string, string | Uint8Array>;

/** A finding as the tests assert it. */
export interface Seen {
  /** `file:line` */
  at: string;
  severity: string;
  message: string;
}

export interface RuleRun {
  findings: Seen[];
  notes: string[];
  problems: Problem[];
}

export interface RuleRunOptions {
  /** `.github/archgate.yml` as JSON. */
  config?: Record<string, unknown>;
  /** { newPath: oldPath } */
  renames?: Record<string, string>;
  /** The PR description. */
  description?: string;
}

/** Reviews the change from `base` to `head` and returns the findings of `rule`, sorted as the report sorts them. */
export async function reviewRule(rule: string, base: Tree, head: Tree, options: RuleRunOptions = {}): Promise<RuleRun> {
  const change = changeFromTrees(base, head, { renames: options.renames, description: options.description });
  const report = await reviewChange(change, validateConfig(options.config ?? {}, "test"));
  return {
    findings: report.findings.filter((f) => f.rule === rule).map((f) => ({ at: `${f.file}:${f.line}`, severity: f.severity, message: f.message })),
    notes: report.notes.map(noteText),
    problems: report.problems,
  };
}

/** Text from lines, with a final newline. */
export const lines = (...l: string[]): string => `${l.join("\n")}\n`;
