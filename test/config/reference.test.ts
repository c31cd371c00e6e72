/**
 * Every key of the configuration reference has a description in one style. That docs/configuration.md and
 * config/archgate.schema.json are regenerated after a schema change is checked in json-schema.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configReference } from "../../src/config/reference.js";
import { configSchema } from "../../src/builtins.js";

const root = join(import.meta.dirname, "..", "..");

interface Row {
  key: string;
  description: string;
  columns: number;
}

/** The cells of a table row, split at pipes that are not escaped. */
function cells(line: string): string[] {
  return line
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/**
 * The key rows of the reference table: `| \`key\` | type | default | description |` (pipes inside cells are escaped).
 * The description is the last cell, so a row with an unescaped pipe elsewhere still yields its description.
 */
function keyRows(markdown: string): Row[] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      const row = cells(line);
      return { key: row[0]!.replace(/`/g, ""), description: row.at(-1)!, columns: row.length };
    });
}

/** The style: starts with a capital letter or a code span, ends with a full stop, no doubled spaces. */
function styleProblem(description: string): string | undefined {
  if (description === "") return "no description";
  if (!/^[A-Z`]/.test(description)) return "does not start with a capital letter";
  if (!/[.]$/.test(description)) return "does not end with a full stop";
  if (/ {2}/.test(description)) return "has doubled spaces";
  return undefined;
}

describe("keyRows", () => {
  it("reads the key and the description, keeping escaped pipes inside a cell", () => {
    const table = [
      "| key | type | default | description |",
      "|---|---|---|---|",
      "| `a.b` | `x` \\| `y` | `1` | Picks `x` \\| `y`. |",
      "| `a.c` | string |  |  |",
    ].join("\n");
    expect(keyRows(table)).toEqual([
      { key: "a.b", description: "Picks `x` \\| `y`.", columns: 4 },
      { key: "a.c", description: "", columns: 4 },
    ]);
  });

  it("finds the style problems the reference must not have", () => {
    expect(styleProblem("")).toBe("no description");
    expect(styleProblem("globs of files.")).toBe("does not start with a capital letter");
    expect(styleProblem("Globs of files")).toBe("does not end with a full stop");
    expect(styleProblem("Globs  of files.")).toBe("has doubled spaces");
    expect(styleProblem("`labels` when not given.")).toBeUndefined();
  });
});

describe("configuration reference", () => {
  const committed = keyRows(readFileSync(join(root, "docs", "configuration.md"), "utf8"));
  const generated = keyRows(configReference(configSchema));

  it("lists every key of the schema, top-level and nested", () => {
    const keys = generated.map((r) => r.key);
    expect(keys.length).toBeGreaterThan(100);
    for (const key of [
      "ignorePaths",
      "limits.maxFileBytes",
      "triggers.custom[].paths",
      "checklist.reliability",
      "rules.k8s-health-probes.severity",
      "services.<name>.tables",
      "labels.names",
    ]) {
      expect(keys).toContain(key);
    }
  });

  it.each([
    ["docs/configuration.md", committed],
    ["the schema as generated now", generated],
  ])("every key row of %s has a description in the reference style", (_name, rows) => {
    expect(rows.length).toBeGreaterThan(100);
    const problems = rows.flatMap((row) => {
      const problem = styleProblem(row.description);
      return problem ? [`${row.key}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  // rules.unversioned-api.versionSegment's default regex holds `|`: unescaped, GitHub split its row into five
  // cells, showed the regex's tail as the description and dropped the real one.
  it("every key row has exactly four cells (no unescaped pipe in a type or default)", () => {
    expect(generated.filter((row) => row.columns !== 4).map((row) => row.key)).toEqual([]);
  });
});
