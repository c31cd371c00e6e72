/**
 * Benchmark for `destructive-migration` against Squawk's rule tests (not a test).
 *
 *   git --git-dir=<mirror of sbdchd/squawk> archive HEAD crates/squawk_linter/src/rules | tar -x -C /tmp/squawk
 *   npm run bench:squawk -- /tmp/squawk
 *
 * How cases are extracted: for each Squawk rule that maps to one of our checks (table below), every
 * `#[test] fn` in `crates/squawk_linter/src/rules/<rule>.rs` that builds `let sql = r#"..."#` and asserts
 * `lint_errors(sql, Rule::X)` (must fire) or `lint_ok(sql, Rule::X)` (must not fire) is one case. The
 * `*_with(settings)` variants are used only when the settings are just `pg_version` >= 12 (our semantics
 * assume a current Postgres); other settings (assume_in_transaction, pg 11) and `fix(...)` tests are skipped
 * and counted. The SQL is reviewed as a newly added migration file `db/migrations/0001_case.up.sql` with the
 * full engine. A must-fire case agrees when we report a finding of the mapped kind and, when the insta
 * snapshot (`snapshots/..__<rule>__test__<fn>.snap`) names lines, our lines are exactly those lines; a
 * must-not-fire case agrees when we report no finding of the mapped kind.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { changeFromTrees } from "../src/engine/memory-change.js";
import { defaultConfig, reviewChange } from "../src/builtins.js";

const root = process.argv[2];
if (!root) {
  console.error("usage: bench-squawk <folder containing crates/squawk_linter/src/rules>");
  process.exit(2);
}
const rulesDir = [join(root, "crates/squawk_linter/src/rules"), root].find((d) => existsSync(join(d, "ban_drop_column.rs")));
if (!rulesDir) {
  console.error(`no crates/squawk_linter/src/rules/ban_drop_column.rs under ${root}`);
  process.exit(2);
}

/** Squawk rule file → the finding kinds (key prefixes) of ours that correspond. */
const MAPPING: Record<string, string[]> = {
  ban_drop_column: ["drop-column"],
  ban_drop_table: ["drop-table"],
  renaming_column: ["rename-column"],
  renaming_table: ["rename-table"],
  changing_column_type: ["change-column-type"],
  adding_not_null_field: ["set-not-null"],
  adding_required_field: ["add-not-null-column"],
  require_concurrent_index_creation: ["create-index"],
  ban_concurrent_index_creation_in_transaction: ["concurrent-index-in-transaction"],
};

interface Case {
  rule: string;
  test: string;
  sql: string;
  expectFire: boolean;
}

const TEST_FN = /#\[test\]\s*fn\s+(\w+)\s*\(\)\s*\{([\s\S]*?)\n {4}\}\n/g;
let skipped = 0;
const cases: Case[] = [];
for (const [rule] of Object.entries(MAPPING)) {
  const source = readFileSync(join(rulesDir, `${rule}.rs`), "utf8");
  const tests = source.slice(source.indexOf("#[cfg(test)]"));
  for (const m of tests.matchAll(TEST_FN)) {
    const [, test, body] = m as unknown as [string, string, string];
    const literal = /let sql = (?:r#"([\s\S]*?)"#|r"([\s\S]*?)"|"((?:[^"\\]|\\.)*)");/.exec(body);
    const sql = literal ? (literal[1] ?? literal[2] ?? literal[3]) : undefined;
    if (sql === undefined) {
      skipped++;
      continue;
    }
    const settings = /LinterSettings\s*\{([\s\S]*?)\}/.exec(body)?.[1];
    if (settings !== undefined) {
      const version = /pg_version:\s*"(\d+)"/.exec(settings)?.[1];
      const onlyVersion =
        settings
          .replace(/pg_version:[^,]*,/, "")
          .replace(/\.\.Default::default\(\),?/, "")
          .trim() === "";
      if (!version || Number(version) < 12 || !onlyVersion) {
        skipped++;
        continue;
      }
    }
    if (/lint_errors(_with)?\s*\(/.test(body)) cases.push({ rule, test, sql, expectFire: true });
    else if (/lint_ok(_with)?\s*\(/.test(body)) cases.push({ rule, test, sql, expectFire: false });
    else skipped++;
  }
}

/** Lines Squawk reports in the snapshot (`N │ ...` right after each `╭▸`). */
function snapshotLines(rule: string, test: string): number[] | undefined {
  const file = join(rulesDir!, "snapshots", `squawk_linter__rules__${rule}__test__${test}.snap`);
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, "utf8").split("\n");
  const out: number[] = [];
  lines.forEach((line, i) => {
    if (line.includes("╭▸")) {
      const next = /^\s*(\d+)\s*│/.exec(lines[i + 1] ?? "");
      if (next) out.push(Number(next[1]));
    }
  });
  return out.length > 0 ? [...new Set(out)].sort((a, b) => a - b) : undefined;
}

const config = defaultConfig();
let agree = 0;
const disagreements: string[] = [];
const perRule = new Map<string, { agree: number; total: number }>();
for (const c of cases) {
  const path = "db/migrations/0001_case.up.sql";
  const report = await reviewChange(changeFromTrees({}, { [path]: c.sql }), config);
  const kinds = MAPPING[c.rule]!;
  const ours = report.findings.filter((f) => f.rule === "destructive-migration" && kinds.some((k) => (f.key ?? "").startsWith(`${k}:`)));
  const lines = [...new Set(ours.map((f) => f.line!))].sort((a, b) => a - b);
  let ok: boolean;
  let why = "";
  if (c.expectFire) {
    const expected = snapshotLines(c.rule, c.test);
    // One finding per column and file (repeated changes of one column collapse), so: every line we
    // report is one Squawk reports, and we report at least one.
    ok = ours.length > 0 && (expected === undefined || lines.every((l) => expected.includes(l)));
    if (!ok)
      why = ours.length === 0 ? `missed (Squawk lines ${expected?.join(",") ?? "?"})` : `lines ${lines.join(",")} vs Squawk ${expected?.join(",")}`;
  } else {
    ok = ours.length === 0;
    if (!ok) why = `false positive at lines ${lines.join(",")}`;
  }
  if (report.problems.length > 0) why += ` [problems: ${report.problems.map((p) => p.message).join("; ")}]`;
  const stat = perRule.get(c.rule) ?? { agree: 0, total: 0 };
  stat.total++;
  if (ok) {
    agree++;
    stat.agree++;
  } else disagreements.push(`${c.rule}::${c.test} (${c.expectFire ? "lint_errors" : "lint_ok"}): ${why}`);
  perRule.set(c.rule, stat);
}

console.log("Squawk rule tests vs destructive-migration");
for (const [rule, s] of perRule) console.log(`  ${rule.padEnd(46)} ${s.agree}/${s.total}`);
console.log(
  `cases: ${cases.length} (${cases.filter((c) => c.expectFire).length} must-fire, ${cases.filter((c) => !c.expectFire).length} must-not-fire); skipped: ${skipped}`,
);
console.log(`agreement: ${agree}/${cases.length} = ${(agree / cases.length).toFixed(3)}`);
if (disagreements.length > 0) {
  console.log("disagreements:");
  for (const d of disagreements) console.log(`  - ${d}`);
}
