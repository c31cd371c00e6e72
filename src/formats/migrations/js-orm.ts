import { upSection } from "./knex.js";
import { arg, findCalls, pushSqlArg, type PyCall } from "./python.js";
import { lineAt, type MigrationAnalysis, type MigrationOp } from "./types.js";

/**
 * Sequelize (`queryInterface.*` in `up`) and TypeORM (`queryRunner.*` in `up()`, mostly generated
 * `queryRunner.query("<SQL>")`) migrations. Only `up` is judged; SQL strings go to the SQL parser.
 */
export async function analyzeSequelize(text: string): Promise<MigrationAnalysis> {
  return analyzeOrm(text, /\.(createTable|dropTable|renameTable|removeColumn|renameColumn|changeColumn|addColumn|addIndex|query)\s*\(/, sequelizeOp);
}

export async function analyzeTypeorm(text: string): Promise<MigrationAnalysis> {
  return analyzeOrm(
    text,
    /\bqueryRunner\.(createTable|dropTable|renameTable|dropColumns?|renameColumn|changeColumns?|addColumns?|createIndex|query)\s*\(/,
    typeormOp,
  );
}

type OpReader = (call: PyCall, push: (op: Omit<MigrationOp, "line">) => void) => void;

async function analyzeOrm(text: string, pattern: RegExp, read: OpReader): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const section = upSection(text);
  if (!section) return out;
  for (const call of findCalls(text, pattern, section[0], section[1], "js")) {
    const line = lineAt(text, call.start);
    if (call.name === "query") {
      await pushSqlArg(out, text, arg(call, "", 0), line);
      continue;
    }
    read(call, (op) => out.ops.push({ ...op, line }));
  }
  out.ops.sort((a, b) => a.line - b.line);
  return out;
}

/** Sequelize table arguments may be `{ tableName, schema }` objects. */
function tableArg(call: PyCall, index: number): string {
  const a = arg(call, "", index);
  if (!a) return "";
  if (a.string !== undefined && !a.raw.startsWith("{")) return a.string;
  return /tableName\s*:\s*["'`](\w+)["'`]/.exec(a.raw)?.[1] ?? a.string ?? a.raw;
}

const sequelizeOp: OpReader = (call, push) => {
  const table = tableArg(call, 0);
  const second = arg(call, "", 1);
  const options = arg(call, "", 2)?.raw ?? "";
  switch (call.name) {
    case "createTable":
      push({ kind: "create-table", table });
      break;
    case "dropTable":
      push({ kind: "drop-table", table });
      break;
    case "renameTable":
      push({ kind: "rename-table", table, newName: second?.string });
      break;
    case "removeColumn":
      push({ kind: "drop-column", table, column: second?.string });
      break;
    case "renameColumn":
      push({ kind: "rename-column", table, column: second?.string, newName: arg(call, "", 2)?.string });
      break;
    case "changeColumn":
      // changeColumn redefines the column: Sequelize emits ALTER COLUMN ... TYPE (and SET NOT NULL for allowNull: false).
      push({ kind: "change-column-type", table, column: second?.string });
      if (/allowNull\s*:\s*false/.test(options)) push({ kind: "set-not-null", table, column: second?.string });
      break;
    case "addColumn": {
      const required = /allowNull\s*:\s*false/.test(options) && !/defaultValue\s*:/.test(options) && !/autoIncrement\s*:\s*true/.test(options);
      push({ kind: required ? "add-not-null-column" : "alter-table", table, column: second?.string });
      break;
    }
    case "addIndex":
      push({ kind: "create-index", table, concurrent: /concurrently\s*:\s*true/.test(options) });
      break;
  }
};

const typeormOp: OpReader = (call, push) => {
  const first = arg(call, "", 0);
  // queryRunner methods take a table name or a Table object; `new Table({ name: "x" })` names it inside.
  const table = first?.string ?? /name\s*:\s*["'`](\w+)["'`]/.exec(first?.raw ?? "")?.[1] ?? first?.raw ?? "";
  const second = arg(call, "", 1);
  const columnName = (a: typeof second) => a?.string ?? /name\s*:\s*["'`](\w+)["'`]/.exec(a?.raw ?? "")?.[1];
  switch (call.name) {
    case "createTable":
      push({ kind: "create-table", table });
      break;
    case "dropTable":
      push({ kind: "drop-table", table });
      break;
    case "renameTable":
      push({ kind: "rename-table", table, newName: second?.string });
      break;
    case "dropColumn":
      push({ kind: "drop-column", table, column: columnName(second) });
      break;
    case "dropColumns":
      for (const name of (second?.raw ?? "").match(/["'`](\w+)["'`]/g) ?? []) push({ kind: "drop-column", table, column: name.slice(1, -1) });
      break;
    case "renameColumn":
      push({ kind: "rename-column", table, column: columnName(second), newName: columnName(arg(call, "", 2)) });
      break;
    case "changeColumn":
    case "changeColumns":
      push({ kind: "change-column-type", table, column: columnName(second) });
      break;
    case "addColumn":
    case "addColumns": {
      const source = second?.raw ?? "";
      const required = /isNullable\s*:\s*false/.test(source) && !/default\s*:/.test(source) && !/isGenerated\s*:\s*true/.test(source);
      push({ kind: required ? "add-not-null-column" : "alter-table", table, column: columnName(second) });
      break;
    }
    case "createIndex":
      push({ kind: "create-index", table, concurrent: false });
      break;
  }
};
