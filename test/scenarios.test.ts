/**
 * Runs every fixture scenario under fixtures/triggers and fixtures/rules with the full engine and
 * asserts exact outcomes:
 * - triggers: `expect` is the exact list of files the trigger reports (empty for `pass`);
 * - rules: `expect` is the exact list of { file, line, severity } the rule reports (empty for `pass`).
 */
import { describe, expect, it } from "vitest";

import { loadScenario, scenarioDirs } from "./helpers/fixtures.js";
import { RULES, TRIGGERS, reviewChange } from "../src/builtins.js";

for (const trigger of TRIGGERS) {
  describe(`trigger ${trigger.meta.id}`, () => {
    for (const kind of ["fire", "pass"] as const) {
      for (const dir of scenarioDirs("triggers", trigger.meta.id, kind)) {
        const scenario = loadScenario(dir);
        it(`${kind}: ${scenario.name.split("/").at(-1)} — ${scenario.case.description}`, async () => {
          const report = await reviewChange(scenario.change, scenario.config);
          const hit = report.triggers.find((t) => t.id === trigger.meta.id);
          expect(hit?.files ?? []).toEqual(scenario.case.expect);
          if (kind === "fire") expect(scenario.case.expect.length).toBeGreaterThan(0);
          else expect(scenario.case.expect).toEqual([]);
          expect(report.problems).toEqual([]);
        });
      }
    }
  });
}

for (const rule of RULES) {
  describe(`rule ${rule.meta.id}`, () => {
    for (const kind of ["fire", "pass"] as const) {
      for (const dir of scenarioDirs("rules", rule.meta.id, kind)) {
        const scenario = loadScenario(dir);
        it(`${kind}: ${scenario.name.split("/").at(-1)} — ${scenario.case.description}`, async () => {
          const report = await reviewChange(scenario.change, scenario.config);
          const found = report.findings.filter((f) => f.rule === rule.meta.id).map((f) => ({ file: f.file, line: f.line, severity: f.severity }));
          expect(found).toEqual(scenario.case.expect);
          if (kind === "fire") expect(scenario.case.expect.length).toBeGreaterThan(0);
          else expect(scenario.case.expect).toEqual([]);
        });
      }
    }
  });
}
