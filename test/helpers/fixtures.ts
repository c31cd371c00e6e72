import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import type { Change } from "../../src/engine/change.js";

import type { ArchgateConfig } from "../../src/config/schema.js";
import { validateConfig } from "../../src/builtins.js";

export const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");

/**
 * A scenario directory: `base/` and `head/` trees plus `case.json`:
 * { "description": string, "expect": [...], "config"?: {...archgate.yml as JSON},
 *   "renames"?: { "new/path": "old/path" }, "prDescription"?: string, "prTitle"?: string }
 */
export interface ScenarioCase {
  description: string;
  expect: unknown[];
  config?: Record<string, unknown>;
  renames?: Record<string, string>;
  prDescription?: string;
  prTitle?: string;
}

export interface Scenario {
  /** e.g. "rules/destructive-migration/fire/rails-remove-column" */
  name: string;
  dir: string;
  kind: "fire" | "pass";
  case: ScenarioCase;
  change: Change;
  config: ArchgateConfig;
}

export function readTree(dir: string): Record<string, string | Uint8Array> {
  const tree: Record<string, string | Uint8Array> = {};
  if (!existsSync(dir)) return tree;
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const full = join(current, entry);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const bytes = readFileSync(full);
        tree[relative(dir, full).split("\\").join("/")] = bytes.includes(0) ? new Uint8Array(bytes) : bytes.toString("utf8");
      }
    }
  };
  walk(dir);
  return tree;
}

export function loadScenario(dir: string): Scenario {
  const parsed = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as ScenarioCase;
  const change = changeFromTrees(readTree(join(dir, "base")), readTree(join(dir, "head")), {
    renames: parsed.renames,
    description: parsed.prDescription,
    title: parsed.prTitle,
  });
  const kind = dir.split(/[\\/]/).at(-2) as "fire" | "pass";
  return {
    name: relative(FIXTURES, dir).split("\\").join("/"),
    dir,
    kind,
    case: parsed,
    change,
    config: validateConfig(parsed.config ?? {}, join(dir, "case.json")),
  };
}

/** Scenario directories of `fixtures/<family>/<id>/{fire,pass}/<scenario>`. */
export function scenarioDirs(family: "rules" | "triggers", id: string, kind: "fire" | "pass"): string[] {
  const dir = join(FIXTURES, family, id, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((e) => existsSync(join(dir, e, "case.json")))
    .sort()
    .map((e) => join(dir, e));
}
