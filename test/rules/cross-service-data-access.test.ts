/** cross-service-data-access, table-driven: exact findings for invalid cases, none for valid ones. */
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { sqlTableReferences } from "../../src/formats/migrations/sql-strings.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";

const SERVICES = {
  services: {
    orders: { paths: ["services/orders/**"], tables: ["orders", "order_items"] },
    billing: { paths: ["services/billing/**"], tables: ["billing.invoices", "Payments"] },
  },
};

async function findings(files: Record<string, string>, base: Record<string, string> = {}, config: Record<string, unknown> = SERVICES) {
  const report = await reviewChange(changeFromTrees(base, { ...base, ...files }), validateConfig(config, "t.yml"));
  return report.findings.filter((f) => f.rule === "cross-service-data-access").map((f) => [f.file, f.line, f.severity]);
}

describe("cross-service-data-access", () => {
  const invalid: [string, Record<string, string>, [string, number][]][] = [
    [
      "Flyway migration drops another service's column (schema-qualified config name)",
      { "services/orders/src/main/resources/db/migration/V9__x.sql": "ALTER TABLE invoices DROP COLUMN order_id;\n" },
      [["services/orders/src/main/resources/db/migration/V9__x.sql", 1]],
    ],
    [
      "quoted, mixed-case table name",
      { "services/orders/db/migrations/0002_x.up.sql": "UPDATE \"payments\" SET state = 'x';\n" },
      [["services/orders/db/migrations/0002_x.up.sql", 1]],
    ],
    [
      "Django RunSQL INSERT into another service's table",
      {
        "services/billing/app/migrations/0005_x.py":
          'from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunSQL("INSERT INTO order_items (sku) VALUES (1)")]\n',
      },
      [["services/billing/app/migrations/0005_x.py", 5]],
    ],
    [
      "Ruby string with a JOIN",
      { "services/billing/app/models/report.rb": 'class Report\n  SQL = "SELECT * FROM payments p JOIN orders o ON o.id = p.order_id"\nend\n' },
      [["services/billing/app/models/report.rb", 2]],
    ],
    [
      "Java text block line starting with upper-case FROM",
      { "services/billing/src/main/java/Repo.java": 'class Repo {\n  String q = """\n      SELECT id\n      FROM orders\n      """;\n}\n' },
      [["services/billing/src/main/java/Repo.java", 4]],
    ],
  ];
  for (const [name, files, expected] of invalid) {
    it(`fires: ${name}`, async () => {
      expect(await findings(files)).toEqual(expected.map(([f, l]) => [f, l, "error"]));
    });
  }

  const valid: [string, Record<string, string>][] = [
    ["own table in a migration", { "services/billing/db/migrations/0003_x.up.sql": "ALTER TABLE invoices ADD COLUMN note text;\n" }],
    [
      "creating a table with an owned name is not touching it",
      { "services/orders/db/migrations/0004_x.up.sql": "CREATE TABLE payments_view_cache (id int);\n" },
    ],
    ["lower-case prose", { "services/orders/src/a.ts": 'const m = "please update orders from the dashboard";\n' }],
    ["identifiers, not strings", { "services/orders/src/b.ts": "const from = invoices; join(payments);\n" }],
    ["a file outside every service", { "tools/report.py": 'SQL = "SELECT * FROM invoices"\n' }],
    ["a markdown file", { "services/orders/README.md": "Reads `SELECT * FROM invoices` in the old days.\n" }],
  ];
  for (const [name, files] of valid) {
    it(`passes: ${name}`, async () => {
      expect(await findings(files)).toEqual([]);
    });
  }

  it("never fires without services config", async () => {
    expect(await findings({ "services/orders/db/migrations/0001_x.up.sql": "DROP TABLE invoices;\n" }, {}, {})).toEqual([]);
  });
});

describe("sqlTableReferences", () => {
  const table: [string, { table: string; verb: "read" | "write" }[]][] = [
    [
      'db.query("SELECT a FROM billing.invoices i LEFT JOIN orders o ON true")',
      [
        { table: "billing.invoices", verb: "read" },
        { table: "orders", verb: "read" },
      ],
    ],
    ["run('delete from payments where id = 1')", [{ table: "payments", verb: "write" }]],
    ['x = "UPDATE orders SET a = 1"', [{ table: "orders", verb: "write" }]],
    ['x = "Update from the server"', []],
    ['x = "update orders later"', []],
    [
      "const s = `INSERT INTO order_items (a) SELECT a FROM staging`",
      [
        { table: "order_items", verb: "write" },
        { table: "staging", verb: "read" },
      ],
    ],
    ["  JOIN payments p ON p.id = x", [{ table: "payments", verb: "read" }]],
    ["  from payments", []],
  ];
  for (const [line, expected] of table) {
    it(line, () => {
      expect(sqlTableReferences(line)).toEqual(expected);
    });
  }
});
