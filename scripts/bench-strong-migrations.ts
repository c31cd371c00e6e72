/**
 * Benchmark for `destructive-migration` on Rails migrations against strong_migrations' tests (not a test).
 *
 *   git --git-dir=<mirror of ankane/strong_migrations> archive HEAD test | tar -x -C /tmp/strong-migrations
 *   npm run bench:strong-migrations -- /tmp/strong-migrations
 *
 * How cases are extracted: test files for the operations we cover (remove_column, change_column,
 * change_column_null, add_index, add_reference, rename_column/rename_table in misc) are read test by
 * test. A test is one case when, on Postgres, it makes exactly one assertion: `assert_unsafe X` (must
 * fire) or `assert_safe X` / `migrate X` (must not fire). Tests that depend on options or other
 * databases (`skip unless mysql?`, `with_option`, `with_target_version`, `with_time_zone`, `direction:`, several
 * migrations) are skipped and counted; `if postgresql? ... else` takes the Postgres branch. Migration
 * classes come from `test/migrations/*.rb` and are reviewed as a newly added
 * `db/migrate/20260101000000_<name>.rb`; the base tree holds a `db/schema.rb` made from the test
 * schema in `test/support/active_record.rb` (so column types before the change are known). A case
 * agrees when we report any finding (error or warning) exactly when strong_migrations calls it unsafe.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { changeFromTrees } from "../src/engine/memory-change.js";
import { defaultConfig, reviewChange } from "../src/builtins.js";

const root = process.argv[2];
if (!root) {
  console.error("usage: bench-strong-migrations <folder containing test/migrations>");
  process.exit(2);
}
const testDir = [join(root, "test"), root].find((d) => existsSync(join(d, "migrations", "remove_column.rb")));
if (!testDir) {
  console.error(`no test/migrations/remove_column.rb under ${root}`);
  process.exit(2);
}

const TEST_FILES: Record<string, RegExp | undefined> = {
  "remove_column_test.rb": undefined,
  "change_column_test.rb": undefined,
  "change_column_null_test.rb": undefined,
  "add_index_test.rb": undefined,
  "add_reference_test.rb": undefined,
  "misc_test.rb": /^test_rename_(column|table)$/,
};
const OPTION_DEPENDENT =
  /skip unless (?!postgresql\?)\w+\?|with_option|with_target_version|with_time_zone|with_start_after|with_safety_assured|without_strict_mode|direction:|StrongMigrations\.|assert_raises|assert_argument_error|skip unless (mysql|mariadb)|skip if postgresql|ENV\[/;

// Migration classes: `class Name < TestMigration` ... the next `end` at column 0.
const classes = new Map<string, string>();
for (const file of ["remove_column", "change_column", "change_column_null", "add_index", "add_reference", "misc"]) {
  const text = readFileSync(join(testDir, "migrations", `${file}.rb`), "utf8");
  for (const m of text.matchAll(/^class (\w+) < TestMigration\n([\s\S]*?)^end$/gm)) classes.set(m[1]!, m[0]);
}

// The test schema as db/schema.rb: the create_table blocks of test/support/active_record.rb.
const support = readFileSync(join(testDir, "support", "active_record.rb"), "utf8");
const tables = [...support.matchAll(/^ {2}create_table :\w+ do \|t\|\n[\s\S]*?^ {2}end$/gm)].map((m) =>
  m[0].replace(/ if \$adapter == "postgresql"/g, ""),
);
const schema = `ActiveRecord::Schema[7.1].define(version: 2026_01_01_000000) do\n  enable_extension "plpgsql"\n\n${tables.join("\n\n")}\nend\n`;

interface Case {
  test: string;
  migration: string;
  unsafe: boolean;
}
const cases: Case[] = [];
const skipped: string[] = [];
for (const [file, only] of Object.entries(TEST_FILES)) {
  const text = readFileSync(join(testDir, file), "utf8");
  for (const m of text.matchAll(/^ {2}def (test_\w+)\n([\s\S]*?)^ {2}end$/gm)) {
    const [, test, rawBody] = m as unknown as [string, string, string];
    if (only && !only.test(test)) continue;
    let body = rawBody;
    const pg = /if postgresql\?\n([\s\S]*?)\n\s*else\n/.exec(body);
    if (pg) body = pg[1]!;
    const asserts = [...body.matchAll(/\b(assert_unsafe|assert_safe|migrate)\s+(\w+)/g)];
    if (OPTION_DEPENDENT.test(body) || asserts.length !== 1) {
      skipped.push(`${file}#${test}`);
      continue;
    }
    const [, kind, migration] = asserts[0]! as unknown as [string, string, string];
    if (!classes.has(migration)) {
      skipped.push(`${file}#${test} (class ${migration} not found)`);
      continue;
    }
    cases.push({ test: `${file.replace(/_test\.rb$/, "")}#${test}`, migration, unsafe: kind === "assert_unsafe" });
  }
}

const config = defaultConfig();
let agree = 0;
const disagreements: string[] = [];
for (const c of cases) {
  const snake = c.migration.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const path = `db/migrate/20260101000000_${snake}.rb`;
  const source = classes.get(c.migration)!.replace("< TestMigration", "< ActiveRecord::Migration[7.1]");
  const change = changeFromTrees({ "db/schema.rb": schema }, { "db/schema.rb": schema, [path]: source });
  const report = await reviewChange(change, config);
  const ours = report.findings.filter((f) => f.rule === "destructive-migration");
  const flagged = ours.length > 0;
  if (flagged === c.unsafe) agree++;
  else {
    const what = ours.map((f) => `${f.severity} line ${f.line}: ${f.message.split(":")[0]}`).join("; ");
    disagreements.push(`${c.test} (${c.migration}): strong_migrations ${c.unsafe ? "unsafe" : "safe"}, ours ${flagged ? what : "no finding"}`);
  }
}

console.log("strong_migrations tests vs destructive-migration (Postgres)");
console.log(
  `cases: ${cases.length} (${cases.filter((c) => c.unsafe).length} assert_unsafe, ${cases.filter((c) => !c.unsafe).length} safe); skipped: ${skipped.length}`,
);
console.log(`agreement: ${agree}/${cases.length} = ${(agree / cases.length).toFixed(3)}`);
if (disagreements.length > 0) {
  console.log("disagreements:");
  for (const d of disagreements) console.log(`  - ${d}`);
}
if (process.argv.includes("--skipped")) for (const s of skipped) console.log(`  skipped ${s}`);
