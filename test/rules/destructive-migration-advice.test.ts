/**
 * Remediation in the words of the migration's framework: a Prisma drop is not told about Rails
 * `ignored_columns`, a Django one gets `SeparateDatabaseAndState`, an Alembic index `postgresql_concurrently`.
 */
import { describe, expect, it } from "vitest";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import { migrationAdvice } from "../../src/formats/migrations/advice.js";
import { lines, type Tree } from "../helpers/review.js";

async function remediations(head: Tree): Promise<string[]> {
  const report = await reviewChange(changeFromTrees({}, head), validateConfig({}, "test"));
  return report.findings.filter((f) => f.rule === "destructive-migration").map((f) => f.remediation ?? "");
}

describe("destructive-migration advice by framework", () => {
  it("Prisma: drop the field from schema.prisma first, not Rails ignored_columns", async () => {
    const [advice] = await remediations({
      "prisma/migrations/20260301120000_drop_legacy_status/migration.sql": lines('ALTER TABLE "Order" DROP COLUMN "legacyStatus";'),
    });
    expect(advice).toBe(
      "Expand and contract: first remove the field from `schema.prisma`, regenerate the client and deploy it, keeping the column in the database; drop the column in a later migration, once no running version reads it.",
    );
  });

  it("Django: SeparateDatabaseAndState", async () => {
    const [advice] = await remediations({
      "orders/migrations/0007_remove_order_legacy_status.py": lines(
        "from django.db import migrations",
        "",
        "",
        "class Migration(migrations.Migration):",
        '    dependencies = [("orders", "0006_order_refunds")]',
        "",
        "    operations = [",
        '        migrations.RemoveField(model_name="order", name="legacy_status"),',
        "    ]",
      ),
    });
    expect(advice).toContain("`SeparateDatabaseAndState`");
  });

  it("Rails: ignored_columns", async () => {
    const [advice] = await remediations({
      "db/migrate/20260301120000_remove_legacy_status_from_orders.rb": lines(
        "class RemoveLegacyStatusFromOrders < ActiveRecord::Migration[7.1]",
        "  def change",
        "    remove_column :orders, :legacy_status, :string",
        "  end",
        "end",
      ),
    });
    expect(advice).toContain("`self.ignored_columns`");
  });

  it("Alembic and Knex: a concurrent index in the framework's own terms", () => {
    expect(migrationAdvice("create-index", "Alembic", "generic")).toBe(
      "Build the index without blocking writes: `op.create_index(..., postgresql_concurrently=True)` inside `with op.get_context().autocommit_block():`.",
    );
    expect(migrationAdvice("concurrent-index-in-transaction", "Knex", "generic")).toBe(
      "Run it outside a transaction: `exports.config = { transaction: false }`.",
    );
  });

  it("falls back to the generic advice where there is nothing specific", () => {
    expect(migrationAdvice("drop-column", "SQL", "generic")).toBe("generic");
    expect(migrationAdvice("change-column-type", "Rails", "generic")).toBe("generic");
  });
});
