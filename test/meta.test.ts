/** Every trigger and rule is documented and has at least 5 must-fire and 5 must-not-fire scenarios. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CATEGORIES } from "../src/engine/vocabulary.js";
import { scenarioDirs } from "./helpers/fixtures.js";
import { BUILTIN_TRIGGER_IDS, RULES, TRIGGERS } from "../src/builtins.js";

const ROOT = join(import.meta.dirname, "..");
const MIN_SCENARIOS = 5;

describe("registries", () => {
  it("lists triggers sorted by id: the six of the product's vocabulary", () => {
    const ids = TRIGGERS.map((t) => t.meta.id);
    expect(ids).toEqual(["api-contract", "event-contract", "infra-change", "new-service", "schema-migration", "service-retirement"]);
    expect(BUILTIN_TRIGGER_IDS).toEqual(ids);
  });

  it("lists rules sorted by id without duplicates", () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(ids).toEqual([...new Set(ids)].sort());
  });
});

for (const trigger of TRIGGERS) {
  describe(`trigger ${trigger.meta.id}`, () => {
    it(`has at least ${MIN_SCENARIOS} must-fire and ${MIN_SCENARIOS} must-not-fire scenarios`, () => {
      expect(scenarioDirs("triggers", trigger.meta.id, "fire").length).toBeGreaterThanOrEqual(MIN_SCENARIOS);
      expect(scenarioDirs("triggers", trigger.meta.id, "pass").length).toBeGreaterThanOrEqual(MIN_SCENARIOS);
    });
  });
}

for (const rule of RULES) {
  describe(`rule ${rule.meta.id}`, () => {
    it("has a docs page with failing and passing examples and a fix", () => {
      const page = join(ROOT, "docs", "rules", `${rule.meta.id}.md`);
      expect(existsSync(page), page).toBe(true);
      const text = readFileSync(page, "utf8");
      expect(text).toMatch(new RegExp(`^# ${rule.meta.id}`, "m"));
      expect(text).toMatch(/^## .*(Fail|fail|Violat|violat)/m);
      expect(text).toMatch(/^## .*(Pass|pass|Correct|correct)/m);
      expect(text).toMatch(/^## .*(fix|Fix)/m);
    });

    it(`has at least ${MIN_SCENARIOS} must-fire and ${MIN_SCENARIOS} must-not-fire scenarios`, () => {
      expect(scenarioDirs("rules", rule.meta.id, "fire").length).toBeGreaterThanOrEqual(MIN_SCENARIOS);
      expect(scenarioDirs("rules", rule.meta.id, "pass").length).toBeGreaterThanOrEqual(MIN_SCENARIOS);
    });

    it("declares a known category and a description", () => {
      expect(CATEGORIES).toContain(rule.meta.category);
      expect(rule.meta.description.length).toBeGreaterThan(10);
    });
  });
}

describe("the suite", () => {
  // A parked test reports as "skipped" and fails nothing: a known bug is fixed or stays an open issue, not a
  // skipped test. Only the services a test needs may skip it (skipIf with a visible reason).
  it("has no skipped or todo tests", () => {
    const parked = readdirSync(join(ROOT, "test"), { recursive: true, encoding: "utf8" })
      .filter((file) => /\.(test|faults)\.ts$/.test(file))
      .flatMap((file) =>
        readFileSync(join(ROOT, "test", file), "utf8")
          .split("\n")
          .flatMap((line, i) => (/\b(it|test|describe)\.(skip|todo)\(|\bx(it|describe)\(/.test(line) ? [`test/${file}:${i + 1}`] : [])),
      );
    expect(parked).toEqual([]);
  });
});
