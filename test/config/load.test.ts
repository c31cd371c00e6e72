import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/load.js";
import { DEFAULT_CHECKLIST } from "../../src/config/checklist.js";
import { parseConfig } from "../../src/builtins.js";

function issuesOf(text: string) {
  try {
    parseConfig(text, ".github/archgate.yml");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("gives the defaults for an empty file", () => {
    const config = parseConfig("");
    expect(config.limits.maxFileBytes).toBe(2_000_000);
    expect(config.checklist.boundary).toEqual(DEFAULT_CHECKLIST.boundary);
    expect(config.migrationPlan.heading).toBe("Migration plan");
  });

  it("names file, line and column of invalid YAML", () => {
    const issues = issuesOf("triggers:\n  custom: [\n");
    expect(issues[0]).toMatchObject({ file: ".github/archgate.yml", line: 3 });
    expect(issues[0]!.message).toMatch(/^invalid YAML/);
  });

  it("rejects an unknown top-level key with a did-you-mean and its position", () => {
    const issues = issuesOf("limits:\n  maxFileBytes: 10\ntriggerz:\n  disabled: []\n");
    expect(issues).toEqual([
      { file: ".github/archgate.yml", line: 3, column: 1, key: "triggerz", message: 'unknown key "triggerz" (did you mean "triggers"?)' },
    ]);
  });

  it("rejects an unknown nested key with a did-you-mean", () => {
    const issues = issuesOf("triggers:\n  custom:\n    - id: payments\n      title: Payments\n      path: ['src/payments/**']\n");
    expect(issues.map((i) => [i.key, i.line, i.message])).toContainEqual(["triggers.custom.0.path", 5, 'unknown key "path" (did you mean "paths"?)']);
  });

  it("points a wrong value at its line", () => {
    const issues = issuesOf("limits:\n  maxFileBytes: -3\n");
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ key: "limits.maxFileBytes", line: 2, column: 17 });
  });

  it("replaces a default list with a plain list and extends it with append", () => {
    const replaced = parseConfig("checklist:\n  boundary:\n    - id: team-charter\n      text: Is there a charter?\n");
    expect(replaced.checklist.boundary).toEqual([{ id: "team-charter", text: "Is there a charter?" }]);
    const appended = parseConfig("checklist:\n  boundary:\n    append:\n      - id: team-charter\n        text: Is there a charter?\n");
    expect(appended.checklist.boundary).toEqual([...DEFAULT_CHECKLIST.boundary, { id: "team-charter", text: "Is there a charter?" }]);
  });

  it("rejects duplicate keys", () => {
    const issues = issuesOf("limits:\n  maxFileBytes: 1\nlimits:\n  maxFileBytes: 2\n");
    expect(issues[0]!.line).toBe(3);
  });

  it("rejects an invalid regular expression in a custom trigger", () => {
    const issues = issuesOf(
      "triggers:\n  custom:\n    - id: payments\n      title: Payments\n      paths: ['src/**']\n      content: ['(unclosed']\n",
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ key: "triggers.custom.0.content.0", line: 6, message: "not a valid regular expression" });
  });
});

describe("hostile config input", () => {
  it("an alias bomb is refused at its first alias, not expanded", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [i, name] of [..."bcdefghi"].entries()) {
      const previous = "abcdefghi"[i]!;
      levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(", ")}]`);
    }
    expect(issuesOf(`# team config\n${levels.join("\n")}\n`)).toEqual([
      {
        file: ".github/archgate.yml",
        line: 3,
        column: 8,
        key: "",
        message: "invalid YAML: its aliases expand too far (an alias bomb?); write the values out instead",
      },
    ]);
  });

  it("nesting too deep to read is named at the line where it gave out", () => {
    expect(issuesOf(`rules: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`)).toEqual([
      { file: ".github/archgate.yml", line: 1, column: expect.any(Number), key: "", message: "invalid YAML: nested too deeply to be read" },
    ]);
  });

  it("a few aliases are fine (a shared list of paths)", () => {
    const config = parseConfig(
      [
        "triggers:",
        "  custom:",
        '    - { id: pay, title: Payments, reviewType: adr, paths: &paths ["src/payments/**"] }',
        "    - { id: refunds, title: Refunds, reviewType: adr, paths: *paths }",
        "",
      ].join("\n"),
      "f.yml",
    );
    expect(config.triggers.custom.map((t) => t.paths)).toEqual([["src/payments/**"], ["src/payments/**"]]);
  });
});
