/** Every trigger and rule is documented and has at least 5 must-fire and 5 must-not-fire scenarios. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "../src/rules/registry.js";
import { TRIGGERS } from "../src/triggers/registry.js";
import { BUILTIN_TRIGGER_IDS, CATEGORIES } from "../src/engine/vocabulary.js";
import { scenarioDirs } from "./helpers/fixtures.js";

const ROOT = join(import.meta.dirname, "..");
const MIN_SCENARIOS = 5;

describe("registries", () => {
  it("lists triggers sorted by id, one per built-in id", () => {
    const ids = TRIGGERS.map((t) => t.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual([...BUILTIN_TRIGGER_IDS]);
  });

  it("lists rules sorted by id without duplicates", () => {
    const ids = RULES.map((r) => r.id);
    expect(ids).toEqual([...new Set(ids)].sort());
  });
});

for (const trigger of TRIGGERS) {
  describe(`trigger ${trigger.id}`, () => {
    it(`has at least ${MIN_SCENARIOS} must-fire and ${MIN_SCENARIOS} must-not-fire scenarios`, () => {
      expect(scenarioDirs("triggers", trigger.id, "fire").length).toBeGreaterThanOrEqual(MIN_SCENARIOS);
      expect(scenarioDirs("triggers", trigger.id, "pass").length).toBeGreaterThanOrEqual(MIN_SCENARIOS);
    });
  });
}

for (const rule of RULES) {
  describe(`rule ${rule.id}`, () => {
    it("has a docs page with failing and passing examples and a fix", () => {
      const page = join(ROOT, "docs", "rules", `${rule.id}.md`);
      expect(existsSync(page), page).toBe(true);
      const text = readFileSync(page, "utf8");
      expect(text).toMatch(new RegExp(`^# ${rule.id}`, "m"));
      expect(text).toMatch(/^## .*(Fail|fail|Violat|violat)/m);
      expect(text).toMatch(/^## .*(Pass|pass|Correct|correct)/m);
      expect(text).toMatch(/^## .*(fix|Fix)/m);
    });

    it(`has at least ${MIN_SCENARIOS} must-fire and ${MIN_SCENARIOS} must-not-fire scenarios`, () => {
      expect(scenarioDirs("rules", rule.id, "fire").length).toBeGreaterThanOrEqual(MIN_SCENARIOS);
      expect(scenarioDirs("rules", rule.id, "pass").length).toBeGreaterThanOrEqual(MIN_SCENARIOS);
    });

    it("declares a known category and a description", () => {
      expect(CATEGORIES).toContain(rule.category);
      expect(rule.description.length).toBeGreaterThan(10);
    });
  });
}
