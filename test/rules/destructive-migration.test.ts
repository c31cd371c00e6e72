/**
 * destructive-migration, table-driven like ESLint's RuleTester: each `invalid` case lists the exact
 * findings (line + severity), each `valid` case must report nothing. Files are reviewed as added files
 * through the full engine unless a base tree is given.
 */
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { analyzeSql, splitStatements } from "../../src/formats/migrations/sql.js";
import { analyzeRails } from "../../src/formats/migrations/rails.js";
import { analyzeAlembic, analyzeDjango } from "../../src/formats/migrations/python.js";
import { analyzeKnex } from "../../src/formats/migrations/knex.js";
import { analyzeLiquibase } from "../../src/formats/migrations/liquibase.js";
import { defaultConfig, reviewChange, validateConfig } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

interface Case {
  name: string;
  path: string;
  text: string;
  base?: Record<string, string>;
  config?: Record<string, unknown>;
  /** [line, severity] of every finding, in report order. */
  expect?: [number, "error" | "warning"][];
}

async function findings(c: Case) {
  const head = { ...(c.base ?? {}), [c.path]: c.text };
  const config = c.config ? validateConfig(c.config, "test.yml") : defaultConfig();
  const report = await reviewChange(changeFromTrees(c.base ?? {}, head), config);
  return { report, found: report.findings.filter((f) => f.rule === "destructive-migration").map((f) => [f.line, f.severity]) };
}

const invalid: Case[] = [
  { name: "SQL DROP COLUMN", path: "db/migrations/001_x.up.sql", text: "ALTER TABLE users DROP COLUMN email;\n", expect: [[1, "error"]] },
  {
    name: "SQL DROP TABLE with schema",
    path: "db/migrations/002_x.up.sql",
    text: "\n\nDROP TABLE IF EXISTS billing.invoices;\n",
    expect: [[3, "error"]],
  },
  { name: "SQL RENAME TABLE", path: "migrations/003_x.sql", text: "ALTER TABLE users RENAME TO members;\n", expect: [[1, "error"]] },
  { name: "SQL RENAME COLUMN", path: "migrations/004_x.sql", text: "ALTER TABLE users RENAME COLUMN name TO full_name;\n", expect: [[1, "error"]] },
  { name: "SQL SET DATA TYPE", path: "migrations/005_x.sql", text: "ALTER TABLE t ALTER COLUMN c SET DATA TYPE bigint;\n", expect: [[1, "error"]] },
  {
    name: "multi-line ALTER points at each clause",
    path: "migrations/006_x.sql",
    text: "ALTER TABLE users\n  ADD COLUMN a int,\n  DROP COLUMN b,\n  ALTER COLUMN c SET NOT NULL;\n",
    expect: [
      [3, "error"],
      [4, "error"],
    ],
  },
  {
    name: "ADD COLUMN NOT NULL without default",
    path: "migrations/007_x.sql",
    text: "ALTER TABLE users ADD COLUMN tier text NOT NULL;\n",
    expect: [[1, "error"]],
  },
  {
    name: "non-concurrent index is a warning",
    path: "migrations/008_x.sql",
    text: "CREATE UNIQUE INDEX u ON users (email);\n",
    expect: [[1, "warning"]],
  },
  {
    name: "CONCURRENTLY inside BEGIN/COMMIT",
    path: "migrations/009_x.sql",
    text: "BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (a);\nCOMMIT;\n",
    expect: [[2, "warning"]],
  },
  {
    name: "concurrentIndex: error raises index findings",
    path: "migrations/010_x.sql",
    text: "CREATE INDEX i ON users (a);\n",
    config: { rules: { "destructive-migration": { concurrentIndex: "error" } } },
    expect: [[1, "error"]],
  },
  {
    name: "a NOT VALID check that is never validated does not make SET NOT NULL safe",
    path: "migrations/011_x.sql",
    text: "ALTER TABLE foo ADD CONSTRAINT c CHECK (bar IS NOT NULL) NOT VALID;\nALTER TABLE foo ALTER COLUMN bar SET NOT NULL;\n",
    expect: [[2, "error"]],
  },
  {
    name: "MySQL CHANGE COLUMN to another name is the rename (one error, not a type change too)",
    path: "db/migration/V2__x.sql",
    text: "ALTER TABLE `t` CHANGE `a` `b` INT(11) NOT NULL;\n",
    expect: [[1, "error"]],
  },
  {
    name: "MySQL CHANGE COLUMN keeping the name is a MODIFY: a type change",
    path: "db/migration/V2__y.sql",
    text: "ALTER TABLE `t` CHANGE `a` `a` BIGINT NOT NULL;\n",
    expect: [[1, "error"]],
  },
  { name: "MySQL RENAME TABLE", path: "db/migration/V3__x.sql", text: "RENAME TABLE old_orders TO orders_archive;\n", expect: [[1, "error"]] },
  {
    name: "Rails remove_columns and remove_reference",
    path: "db/migrate/20260101000000_x.rb",
    text: "class X < ActiveRecord::Migration[7.1]\n  def change\n    remove_columns :users, :a, :b\n    remove_reference :orders, :user, index: true\n  end\nend\n",
    expect: [
      [3, "error"],
      [3, "error"],
      [4, "error"],
    ],
  },
  {
    name: "Rails change_table block",
    path: "db/migrate/20260101000001_x.rb",
    text: "class X < ActiveRecord::Migration[7.1]\n  def change\n    change_table :users do |t|\n      t.remove :fax\n      t.rename :login, :username\n      t.index :email\n    end\n  end\nend\n",
    expect: [
      [4, "error"],
      [5, "error"],
      [6, "warning"],
    ],
  },
  {
    name: "Rails change_column_null false and add_reference null: false",
    path: "db/migrate/20260101000002_x.rb",
    text: "class X < ActiveRecord::Migration[7.1]\n  def up\n    change_column_null :users, :name, false\n    add_reference :orders, :shop, null: false, index: false\n  end\nend\n",
    expect: [
      [3, "error"],
      [4, "error"],
    ],
  },
  {
    name: "Rails type change that rewrites (varchar limit decrease, from db/schema.rb)",
    path: "db/migrate/20260101000003_x.rb",
    base: {
      "db/schema.rb":
        'ActiveRecord::Schema[7.1].define(version: 1) do\n  create_table "users" do |t|\n    t.string "country", limit: 20\n  end\nend\n',
    },
    text: "class X < ActiveRecord::Migration[7.1]\n  def up\n    change_column :users, :country, :string, limit: 10\n  end\nend\n",
    expect: [[3, "error"]],
  },
  {
    name: "Rails type change without a schema is an error",
    path: "db/migrate/20260101000004_x.rb",
    text: "class X < ActiveRecord::Migration[7.1]\n  def up\n    change_column :users, :name, :text\n  end\nend\n",
    expect: [[3, "error"]],
  },
  {
    name: "Alembic batch_alter_table and add_column nullable=False",
    path: "alembic/versions/abc_x.py",
    text: 'from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n    with op.batch_alter_table("users") as batch_op:\n        batch_op.drop_column("fax")\n    op.add_column("users", sa.Column("tier", sa.String(), nullable=False))\n\n\ndef downgrade():\n    pass\n',
    expect: [
      [7, "error"],
      [8, "error"],
    ],
  },
  {
    name: "Django DeleteModel, RenameField and RunSQL",
    path: "shop/migrations/0002_x.py",
    text: 'from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.DeleteModel(name="Coupon"),\n        migrations.RenameField(model_name="order", old_name="total", new_name="amount"),\n        migrations.RunSQL("ALTER TABLE shop_order DROP COLUMN legacy", reverse_sql=migrations.RunSQL.noop),\n    ]\n',
    expect: [
      [6, "error"],
      [7, "error"],
      [8, "error"],
    ],
  },
  {
    name: "Knex renameTable and raw SQL",
    path: "migrations/20260101000000_x.ts",
    text: 'import type { Knex } from "knex";\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.renameTable("users", "members");\n  await knex.raw("DROP TABLE sessions");\n}\n\nexport async function down(knex: Knex): Promise<void> {\n  await knex.schema.renameTable("members", "users");\n}\n',
    expect: [
      [4, "error"],
      [5, "error"],
    ],
  },
  {
    name: "Liquibase YAML dropTable and renameTable",
    path: "db/changelog/db.changelog-master.yaml",
    text: "databaseChangeLog:\n  - changeSet:\n      id: 1\n      author: a\n      changes:\n        - dropTable:\n            tableName: legacy\n        - renameTable:\n            oldTableName: users\n            newTableName: members\n",
    expect: [
      [6, "error"],
      [8, "error"],
    ],
  },
];

const valid: Case[] = [
  { name: "nullable ADD COLUMN", path: "migrations/101_x.sql", text: "ALTER TABLE users ADD COLUMN nick text;\n" },
  { name: "NOT NULL with DEFAULT", path: "migrations/102_x.sql", text: "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\n" },
  { name: "identity column", path: "migrations/103_x.sql", text: "ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;\n" },
  { name: "serial column", path: "migrations/104_x.sql", text: "ALTER TABLE users ADD COLUMN n bigserial NOT NULL;\n" },
  { name: "concurrent index outside a transaction", path: "migrations/105_x.sql", text: "CREATE INDEX CONCURRENTLY i ON users (a);\n" },
  {
    name: "create then change a table in the same file",
    path: "migrations/106_x.sql",
    text: "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN a int NOT NULL;\nCREATE INDEX i ON t (a);\nALTER TABLE t RENAME COLUMN a TO b;\nDROP TABLE t;\n",
  },
  {
    name: "validated NOT NULL check, then SET NOT NULL",
    path: "migrations/107_x.sql",
    text: "ALTER TABLE foo ADD CONSTRAINT foo_bar_nn CHECK (bar IS NOT NULL) NOT VALID;\nALTER TABLE foo VALIDATE CONSTRAINT foo_bar_nn;\nALTER TABLE foo ALTER COLUMN bar SET NOT NULL;\n",
  },
  { name: "Flyway undo migration", path: "db/migration/U5__undo.sql", text: "DROP TABLE orders;\n" },
  {
    name: "strings and comments mentioning DROP",
    path: "migrations/108_x.sql",
    text: "-- DROP TABLE users;\nINSERT INTO notes (body) VALUES ('DROP TABLE users');\n",
  },
  {
    name: "Rails safe type change known from db/schema.rb (varchar → text)",
    path: "db/migrate/20260101000010_x.rb",
    base: { "db/schema.rb": 'ActiveRecord::Schema[7.1].define(version: 1) do\n  create_table "users" do |t|\n    t.string "name"\n  end\nend\n' },
    text: "class X < ActiveRecord::Migration[7.1]\n  def up\n    change_column :users, :name, :text\n  end\nend\n",
  },
  {
    name: "Rails commented-out remove_column and a down method",
    path: "db/migrate/20260101000011_x.rb",
    text: "class X < ActiveRecord::Migration[7.1]\n  def up\n    # remove_column :users, :fax\n    add_column :users, :fax2, :string\n  end\n\n  def down\n    remove_column :users, :fax2\n  end\nend\n",
  },
  {
    name: "Django SeparateDatabaseAndState state_operations only change the model state",
    path: "shop/migrations/0003_x.py",
    text: 'from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.SeparateDatabaseAndState(\n            state_operations=[migrations.RemoveField(model_name="order", name="legacy")],\n            database_operations=[],\n        ),\n    ]\n',
  },
  {
    name: "Django AddField null=True and ManyToManyField; AddIndexConcurrently in a non-atomic migration",
    path: "shop/migrations/0004_x.py",
    text: 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n    operations = [\n        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),\n        migrations.AddField(model_name="order", name="tags", field=models.ManyToManyField(to="shop.tag")),\n        migrations.AddIndexConcurrently(model_name="order", index=models.Index(fields=["note"], name="n_idx")),\n    ]\n',
  },
  {
    name: "Knex template literal SQL built at run time is noted, not judged",
    path: "migrations/20260101000001_x.js",
    text: "exports.up = (knex) => knex.raw(`DROP TABLE ${name}`);\nexports.down = () => {};\n",
  },
];

describe("destructive-migration: invalid", () => {
  for (const c of invalid) {
    it(c.name, async () => {
      const { found, report } = await findings(c);
      expect(found).toEqual(c.expect);
      expect(report.problems).toEqual([]);
    });
  }
});

describe("destructive-migration: valid", () => {
  for (const c of valid) {
    it(c.name, async () => {
      const { found, report } = await findings(c);
      expect(found).toEqual([]);
      expect(report.problems).toEqual([]);
    });
  }
});

describe("destructive-migration: MySQL CHANGE", () => {
  it("CHANGE to another name is judged as the rename; with the same name as a type change", async () => {
    const analysis = await analyzeSql(
      "ALTER TABLE `customer`\n  CHANGE COLUMN `mail` `email` VARCHAR(255) NOT NULL;\nALTER TABLE `customer` CHANGE `points` `points` BIGINT;\n",
    );
    expect(analysis.ops.map((op) => [op.line, op.kind, op.column, op.newName])).toEqual([
      [1, "rename-column", "mail", "email"],
      [3, "change-column-type", "points", undefined],
    ]);
  });
});

describe("destructive-migration: bad input", () => {
  it("an unparsable statement that could hide a change is a problem naming file and line", async () => {
    const { report } = await findings({ path: "migrations/200_x.sql", name: "", text: "SELECT 1;\nALTER TABLE users FROBNICATE everything;\n" });
    expect(report.problems).toEqual([
      expect.objectContaining({ file: "migrations/200_x.sql", line: 2, message: expect.stringContaining("200_x.sql:2") }),
    ]);
    expect(report.conclusion).toBe("error");
  });

  it("an unparsable harmless statement is only a note", async () => {
    const { report, found } = await findings({
      path: "migrations/201_x.sql",
      name: "",
      text: "GRANT whatever TO nobody please;\nALTER TABLE users DROP COLUMN a;\n",
    });
    expect(found).toEqual([[2, "error"]]);
    expect(report.problems).toEqual([]);
    expect(report.notes.map(noteText).some((n) => n.includes("migrations/201_x.sql:1"))).toBe(true);
  });

  it("an unterminated string is a problem with its line", async () => {
    const { report } = await findings({
      path: "migrations/202_x.sql",
      name: "",
      text: "ALTER TABLE a DROP COLUMN b;\nINSERT INTO t VALUES ('oops);\n",
    });
    expect(report.problems.map((p) => [p.file, p.line])).toEqual([["migrations/202_x.sql", 2]]);
  });

  it("broken Liquibase YAML is a problem with its line", async () => {
    const { report } = await findings({ path: "db/changelog/db.changelog-master.yaml", name: "", text: "databaseChangeLog:\n  - changeSet: [\n" });
    expect(report.problems[0]).toMatchObject({ file: "db/changelog/db.changelog-master.yaml" });
    expect(report.problems[0]!.line).toBeGreaterThan(0);
  });

  it("a binary migration file fails the review closed, naming the file, not a crash", async () => {
    const report = await reviewChange(changeFromTrees({}, { "migrations/203_x.sql": new Uint8Array([0, 1, 2, 0]) }), defaultConfig());
    expect(report.findings).toEqual([]);
    expect(report.problems).toEqual([
      {
        file: "migrations/203_x.sql",
        message: "migrations/203_x.sql is binary, so it could not be judged as a database migration (destructive-migration)",
      },
    ]);
    expect(report.conclusion).toBe("error");
  });

  it("a migration over the size limit fails the review closed, naming the file and the limit", async () => {
    const config = validateConfig({ limits: { maxFileBytes: 10 } }, "t.yml");
    const report = await reviewChange(changeFromTrees({}, { "migrations/204_x.sql": "ALTER TABLE users DROP COLUMN a;\n" }), config);
    expect(report.findings).toEqual([]);
    expect(report.problems).toEqual([
      {
        file: "migrations/204_x.sql",
        message:
          "migrations/204_x.sql is 33 bytes, over the size limit of 10 bytes, so it could not be judged as a database migration (destructive-migration); raise the limit for it with limits.paths (or limits.maxFileBytes)",
      },
    ]);
    expect(report.conclusion).toBe("error");
  });

  it("a per-path limit lets the same migration be read and judged", async () => {
    const config = validateConfig({ limits: { maxFileBytes: 10, paths: [{ paths: ["migrations/**"], maxFileBytes: 1000 }] } }, "t.yml");
    const report = await reviewChange(changeFromTrees({}, { "migrations/204_x.sql": "ALTER TABLE users DROP COLUMN a;\n" }), config);
    expect(report.problems).toEqual([]);
    expect(report.findings.map((f) => [f.file, f.line, f.severity])).toEqual([["migrations/204_x.sql", 1, "error"]]);
  });
});

describe("migration readers", () => {
  it("splitStatements respects quotes, dollar quotes and comments", () => {
    const sql = "SELECT ';';\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- ; comment\nSELECT 2";
    expect(splitStatements(sql).statements.map((s) => sql.slice(s.start, s.end).trim())).toEqual([
      "SELECT ';'",
      "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
      "-- ; comment\nSELECT 2",
    ]);
  });

  it("analyzeSql reports lines relative to the embedding file", async () => {
    const { ops } = await analyzeSql("\nDROP TABLE x;", 10);
    expect(ops).toEqual([{ kind: "drop-table", table: "x", line: 11 }]);
  });

  it("analyzeSql handles multi-byte text before a statement", async () => {
    const { ops } = await analyzeSql("-- ünïcödé ✓\nALTER TABLE t\n  DROP COLUMN c;\n");
    expect(ops.map((o) => [o.kind, o.line])).toEqual([["drop-column", 3]]);
  });

  it("Rails heredoc execute keeps exact lines", async () => {
    const { ops } = await analyzeRails(
      "class X < ActiveRecord::Migration[7.1]\n  def up\n    execute <<~SQL\n      SELECT 1;\n      DROP TABLE a;\n    SQL\n  end\nend\n",
    );
    expect(ops.map((o) => [o.kind, o.line])).toEqual([["drop-table", 5]]);
  });

  it("Django tables are <app>_<model>", async () => {
    const { ops } = await analyzeDjango('migrations.RemoveField(model_name="Order", name="x")\n', "shop");
    expect(ops).toEqual([{ kind: "drop-column", table: "shop_order", column: "x", line: 1 }]);
  });

  it("Alembic without upgrade() yields nothing", async () => {
    expect((await analyzeAlembic("def downgrade():\n    op.drop_table('x')\n")).ops).toEqual([]);
  });

  it("Knex ignores createTable callbacks", async () => {
    const { ops } = await analyzeKnex(
      'exports.up = (knex) => knex.schema.createTable("t", (t) => { t.string("a").notNullable(); t.dropColumn("b"); });\n',
    );
    expect(ops.map((o) => o.kind)).toEqual(["create-table"]);
  });

  it("Liquibase XML reports not well-formed XML with a line", async () => {
    const { issues } = await analyzeLiquibase(
      "c.xml",
      "<databaseChangeLog>\n  <changeSet id='1'>\n    <dropTable tableName='x'\n</databaseChangeLog>\n",
    );
    expect(issues.length).toBe(1);
    expect(issues[0]!.mayHideChange).toBe(true);
  });
});

describe("destructive-migration: more layouts", () => {
  it("Rails reversible dir.down blocks are rollbacks; dir.up blocks are judged", async () => {
    const { ops } = await analyzeRails(
      "class X < ActiveRecord::Migration[7.1]\n  def change\n    reversible do |dir|\n      dir.up do\n        remove_column :users, :a\n      end\n      dir.down do\n        remove_column :users, :b\n      end\n    end\n  end\nend\n",
    );
    expect(ops.map((o) => [o.kind, o.column, o.line])).toEqual([["drop-column", "a", 5]]);
  });

  it("Liquibase formatted SQL: --rollback comments are not judged", async () => {
    const text =
      "--liquibase formatted sql\n\n--changeset alice:7\nALTER TABLE customer DROP COLUMN fax;\n--rollback ALTER TABLE customer ADD COLUMN fax text;\n--rollback DROP TABLE customer;\n";
    const report = await reviewChange(changeFromTrees({}, { "db/changelog/changes/007-fax.sql": text }), defaultConfig());
    expect(report.findings.map((f) => [f.file, f.line, f.severity])).toEqual([["db/changelog/changes/007-fax.sql", 4, "error"]]);
  });

  it("a modified migration without a diff is judged whole, with a note", async () => {
    const path = "db/migrations/000001_x.up.sql";
    const change = changeFromTrees({ [path]: "DROP TABLE a;\n" }, { [path]: "DROP TABLE a;\nSELECT 1;\n" });
    for (const f of change.files) delete f.patch;
    const report = await reviewChange(change, defaultConfig());
    expect(report.findings.map((f) => [f.file, f.line])).toEqual([[path, 1]]);
    expect(report.notes.map(noteText).join("\n")).toContain("no diff available");
  });
});

describe("destructive-migration: Django field history", () => {
  const initial =
    'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(model_name="fulfillment", name="meta", field=django.contrib.postgres.fields.jsonb.JSONField(default=dict, null=True)),\n    ]\n';
  const rename =
    'from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RenameField(model_name="fulfillment", old_name="meta", new_name="metadata"),\n    ]\n';

  it("follows RenameField back and compares field classes by name (contrib JSONField = models.JSONField)", async () => {
    const base = { "order/migrations/0001_initial.py": initial, "order/migrations/0002_rename.py": rename };
    const altered =
      'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AlterField(model_name="fulfillment", name="metadata", field=models.JSONField(default=dict, null=True)),\n        migrations.AlterField(model_name="fulfillment", name="metadata", field=models.JSONField(default=dict)),\n    ]\n';
    const { found, report } = await findings({ name: "", path: "order/migrations/0003_alter.py", text: altered, base });
    expect(found).toEqual([[7, "error"]]);
    expect(report.findings[0]!.message).toContain("sets NOT NULL");
  });

  // An earlier migration that does not spell the field's name is not parsed; one that may spell it another way is.
  const migration = (...operations: string[]) =>
    `from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n${operations.map((o) => `        ${o},\n`).join("")}    ]\n`;
  it.each([
    ["adjacent literals", '("sku" "_code", models.CharField(max_length=20))', [[6, "error"]]],
    ["adjacent literals across a comment", '("sku"  # the old code\n                 r"_code", models.CharField(max_length=20))', [[6, "error"]]],
    ["an escaped line break", '("sku_\\\ncode", models.CharField(max_length=20))', [[6, "error"]]],
    ["a plain literal", '("sku_code", models.CharField(max_length=20))', [[6, "error"]]],
    // Found, and of the same class: no type change (a skipped file would leave "no earlier definition" instead).
    ["adjacent literals, same class", '("sku" "_code", models.IntegerField(null=True))', []],
  ])("finds a field's previous definition spelled with %s", async (_, field, expected) => {
    const created = migration(`migrations.CreateModel(name="Product", fields=[("id", models.AutoField(primary_key=True)), ${field}])`);
    const unrelated = migration('migrations.AddField(model_name="product", name="title", field=models.TextField(null=True))');
    const base = { "catalog/migrations/0001_initial.py": created, "catalog/migrations/0002_title.py": unrelated };
    const altered = migration('migrations.AlterField(model_name="product", name="sku_code", field=models.IntegerField(null=True))');
    const { found, report } = await findings({ name: "", path: "catalog/migrations/0003_sku.py", text: altered, base });
    expect(found).toEqual(expected);
    if (expected.length > 0) expect(report.findings[0]!.message).toContain("sku_code");
    expect(report.notes.map(noteText).join("\n")).not.toContain("no earlier definition");
  });

  it("takes a field's previous definition from an earlier migration the same PR adds (its analysis reused)", async () => {
    const created = migration('migrations.CreateModel(name="Product", fields=[("sku_code", models.CharField(max_length=20))])');
    const toInteger = migration('migrations.AlterField(model_name="product", name="sku_code", field=models.IntegerField(null=True))');
    const notNull = migration('migrations.AlterField(model_name="product", name="sku_code", field=models.IntegerField())');
    const base = { "catalog/migrations/0001_initial.py": created };
    const head = { ...base, "catalog/migrations/0002_integer.py": toInteger, "catalog/migrations/0003_not_null.py": notNull };
    const report = await reviewChange(changeFromTrees(base, head), defaultConfig());
    // 0002 against 0001: a type change; 0003 against 0002 (also in this PR): the same class, now NOT NULL.
    expect(
      report.findings.map((f) => [f.file, f.line, /sets NOT NULL/.test(f.message) ? "not null" : /type/.test(f.message) ? "type" : f.message]),
    ).toEqual([
      ["catalog/migrations/0002_integer.py", 6, "type"],
      ["catalog/migrations/0003_not_null.py", 6, "not null"],
    ]);
  });

  it("RunSQL with a module-level SQL constant is parsed at the constant's lines", async () => {
    const text =
      'from django.db import migrations\n\nDROP_LEGACY = """\nALTER TABLE shop_order\n    DROP COLUMN legacy;\n"""\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL(DROP_LEGACY, reverse_sql=migrations.RunSQL.noop)]\n';
    const { found } = await findings({ name: "", path: "shop/migrations/0009_x.py", text });
    expect(found).toEqual([[5, "error"]]);
  });
});

describe("destructive-migration: Rails with db/schema.rb", () => {
  const mysqlSchema =
    'ActiveRecord::Schema[8.0].define(version: 1) do\n  create_table "tags", force: :cascade do |t|\n    t.string "tag", limit: 25, null: false\n    t.bigint "user_id"\n  end\nend\n';
  const pgSchema = mysqlSchema.replace("do\n", 'do\n  enable_extension "plpgsql"\n');
  const migration = (body: string) => `class X < ActiveRecord::Migration[8.0]\n  def up\n${body}\n  end\nend\n`;

  const cases: [string, string, string, [number, "error" | "warning"][]][] = [
    ["index on a non-Postgres database is not judged", mysqlSchema, "    add_index :tags, :user_id\n    add_reference :tags, :topic", []],
    ["index on Postgres is a warning", pgSchema, "    add_index :tags, :user_id", [[3, "warning"]]],
    ["null: false on a column that is already NOT NULL", pgSchema, "    change_column :tags, :tag, :string, limit: 25, null: false", []],
    ["change_column_null on the implicit primary key", pgSchema, "    change_column_null :tags, :id, false", []],
    ["change_column_null on a nullable column", pgSchema, "    change_column_null :tags, :user_id, false", [[3, "error"]]],
    ["same type and limit is not a type change", pgSchema, "    change_column :tags, :user_id, :bigint", []],
    [
      "a table held in a variable is noted, not guessed",
      pgSchema,
      "    [:tags].each { |table| remove_column table, :user_id }\n    remove_column(table, :user_id)",
      [],
    ],
  ];
  for (const [name, schema, body, expected] of cases) {
    it(name, async () => {
      const { found, report } = await findings({
        name,
        path: "db/migrate/20260301000000_x.rb",
        text: migration(body),
        base: { "db/schema.rb": schema },
      });
      expect(found).toEqual(expected);
      expect(report.problems).toEqual([]);
    });
  }
});

describe("destructive-migration: Alembic existing_type", () => {
  const revision = (body: string) => `from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n${body}\n`;
  const cases: [string, string, [number, "error" | "warning"][]][] = [
    ["VARCHAR → Text is done in place", '    op.alter_column("users", "bio", existing_type=sa.String(length=200), type_=sa.Text())', []],
    ["a longer VARCHAR is done in place", '    op.alter_column("users", "name", existing_type=sa.VARCHAR(length=50), type_=sa.String(100))', []],
    ["a shorter VARCHAR rewrites", '    op.alter_column("users", "name", existing_type=sa.String(100), type_=sa.String(50))', [[6, "error"]]],
    ["Text → JSONB rewrites", '    op.alter_column("users", "prefs", existing_type=sa.Text(), type_=postgresql.JSONB())', [[6, "error"]]],
    [
      "a USING expression rewrites",
      '    op.alter_column("users", "bio", existing_type=sa.String(200), type_=sa.Text(), postgresql_using="bio::text")',
      [[6, "error"]],
    ],
    ["without existing_type it is reported", '    op.alter_column("users", "bio", type_=sa.Text())', [[6, "error"]]],
  ];
  for (const [name, body, expected] of cases) {
    it(name, async () => {
      const { found } = await findings({ name, path: "alembic/versions/a1_x.py", text: revision(body) });
      expect(found).toEqual(expected);
    });
  }
});

describe("destructive-migration: psql scripts", () => {
  it("psql meta-commands are skipped and the SQL after them judged", async () => {
    const { found, report } = await findings({
      name: "",
      path: "db/migrations/000009_x.up.sql",
      text: "\\set ON_ERROR_STOP on\n\\connect app\nALTER TABLE users DROP COLUMN fax;\n",
    });
    expect(found).toEqual([[3, "error"]]);
    expect(report.problems).toEqual([]);
  });
});

describe("destructive-migration: Sequelize and TypeORM", () => {
  it("Sequelize queryInterface calls in up() (down() is a rollback)", async () => {
    const text = `"use strict";

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.removeColumn("Users", "fax");
    await queryInterface.addColumn("Users", "tier", { type: Sequelize.STRING, allowNull: false });
    await queryInterface.addColumn("Users", "plan", { type: Sequelize.STRING, allowNull: false, defaultValue: "free" });
    await queryInterface.addIndex("Users", ["email"], { concurrently: true });
    await queryInterface.addIndex("Users", ["plan"]);
    await queryInterface.sequelize.query('ALTER TABLE "Users" RENAME COLUMN "name" TO "fullName"');
  },

  async down(queryInterface, Sequelize) {
    await queryInterface.dropTable("Users");
  },
};
`;
    const { found, report } = await findings({ name: "", path: "migrations/20260301000000-users-tier.js", text });
    expect(found).toEqual([
      [6, "error"],
      [7, "error"],
      [10, "warning"],
      [11, "error"],
    ]);
    expect(report.problems).toEqual([]);
  });

  it("TypeORM generated queryRunner.query SQL and API calls in up()", async () => {
    const text = `import { MigrationInterface, QueryRunner, TableColumn } from "typeorm";

export class UserTier1700000000000 implements MigrationInterface {
  name = "UserTier1700000000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`ALTER TABLE "user" DROP COLUMN "fax"\`);
    await queryRunner.addColumn("user", new TableColumn({ name: "tier", type: "varchar", isNullable: false }));
    await queryRunner.renameColumn("user", "name", "fullName");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`DROP TABLE "user"\`);
  }
}
`;
    const { found, report } = await findings({ name: "", path: "src/migrations/1700000000000-UserTier.ts", text });
    expect(found).toEqual([
      [7, "error"],
      [8, "error"],
      [9, "error"],
    ]);
    expect(report.problems).toEqual([]);
  });
});

describe("destructive-migration: CONCURRENTLY inside the framework's transaction", () => {
  const cases: [string, string, string, [number, "error" | "warning"][]][] = [
    [
      "Rails without disable_ddl_transaction!",
      "db/migrate/20260401000000_x.rb",
      "class X < ActiveRecord::Migration[7.1]\n  def change\n    add_index :users, :email, algorithm: :concurrently\n  end\nend\n",
      [[3, "warning"]],
    ],
    [
      "Rails with disable_ddl_transaction!",
      "db/migrate/20260401000001_x.rb",
      "class X < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :users, :email, algorithm: :concurrently\n  end\nend\n",
      [],
    ],
    [
      "Django AddIndexConcurrently in an atomic migration",
      "shop/migrations/0010_x.py",
      'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        AddIndexConcurrently(model_name="order", index=models.Index(fields=["ref"], name="ref_idx")),\n    ]\n',
      [[6, "warning"]],
    ],
    [
      "Alembic postgresql_concurrently outside autocommit_block",
      "alembic/versions/b2_x.py",
      'from alembic import op\n\n\ndef upgrade():\n    op.create_index("ix", "users", ["a"], postgresql_concurrently=True)\n',
      [[5, "warning"]],
    ],
    [
      "Alembic postgresql_concurrently inside autocommit_block",
      "alembic/versions/b3_x.py",
      'from alembic import op\n\n\ndef upgrade():\n    with op.get_context().autocommit_block():\n        op.create_index("ix", "users", ["a"], postgresql_concurrently=True)\n',
      [],
    ],
    [
      "goose CONCURRENTLY without NO TRANSACTION",
      "migrations/20260401000000_idx.sql",
      "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON users (a);\n",
      [[2, "warning"]],
    ],
    [
      "goose CONCURRENTLY with NO TRANSACTION",
      "migrations/20260401000001_idx.sql",
      "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON users (a);\n",
      [],
    ],
  ];
  for (const [name, path, text, expected] of cases) {
    it(name, async () => {
      const { found, report } = await findings({ name, path, text });
      expect(found).toEqual(expected);
      if (expected.length > 0) expect(report.findings[0]!.message).toContain("inside a transaction");
    });
  }
});
