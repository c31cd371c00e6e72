import type * as t from "@babel/types";

import {
  chainRoot,
  firstParamName,
  isBoolean,
  methodCall,
  optionsObject,
  parseJs,
  property,
  pushSql,
  staticString,
  unparsable,
  upFunctions,
  walk,
  type JsModule,
} from "./js-syntax.js";
import type { MigrationAnalysis, MigrationOp } from "./types.js";

/**
 * Sequelize (`queryInterface.*` in `up`) and TypeORM (`queryRunner.*` in `up()`, mostly generated
 * `queryRunner.query("<SQL>")`) migrations, read through the syntax tree of js-syntax.ts. Only `up` (and
 * the helpers it calls) is judged; SQL strings go to the SQL parser at their own lines.
 */
export async function analyzeSequelize(text: string): Promise<MigrationAnalysis> {
  return analyzeOrm(text, "Sequelize", sequelizeOp);
}

export async function analyzeTypeorm(text: string): Promise<MigrationAnalysis> {
  return analyzeOrm(text, "TypeORM", typeormOp);
}

interface Call {
  name: string;
  args: t.CallExpression["arguments"];
  module: JsModule;
  /** The chain starts at the up function's first parameter (`queryInterface`, `queryRunner`). */
  onRunner: boolean;
}
type OpReader = (call: Call, push: (op: Omit<MigrationOp, "line">) => void) => void;

async function analyzeOrm(text: string, framework: string, read: OpReader): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const parsed = parseJs(text);
  if (!parsed.ok) return unparsable(parsed, framework);
  const module = parsed.module;
  const sqlCalls: { node: t.Node | undefined; line: number }[] = [];
  for (const up of upFunctions(module)) {
    const runner = new Set(["queryInterface", "queryRunner", firstParamName(up)].filter((n): n is string => n !== undefined));
    walk(up.body, (node) => {
      const m = methodCall(node);
      if (!m) return;
      const root = chainRoot(m.receiver);
      const onRunner = root.type === "Identifier" ? runner.has(root.name) : root.type === "ThisExpression";
      if (m.name === "query") {
        // queryInterface.sequelize.query(sql), sequelize.query(sql), queryRunner.query(sql), queryRunner.manager.query(sql)
        if (onRunner || (root.type === "Identifier" && /^(sequelize|db|connection|manager|dataSource)$/i.test(root.name))) {
          sqlCalls.push({ node: m.call.arguments[0], line: m.line });
        }
        return;
      }
      read({ name: m.name, args: m.call.arguments, module, onRunner }, (op) => out.ops.push({ ...op, line: m.line }));
    });
  }
  for (const { node, line } of sqlCalls) await pushSql(out, text, node, line, module);
  out.ops.sort((a, b) => a.line - b.line);
  return out;
}

/** Sequelize table arguments may be `{ tableName, schema }` objects. */
function sequelizeTable(node: t.Node | undefined, module: JsModule): string {
  return staticString(node, module)?.value ?? staticString(property(node, "tableName"), module)?.value ?? "";
}

const sequelizeOp: OpReader = ({ name, args, module }, push) => {
  const table = sequelizeTable(args[0], module);
  const column = staticString(args[1], module)?.value;
  const attributes = args[2];
  switch (name) {
    case "createTable":
      push({ kind: "create-table", table });
      break;
    case "dropTable":
      push({ kind: "drop-table", table });
      break;
    case "renameTable":
      push({ kind: "rename-table", table, newName: sequelizeTable(args[1], module) });
      break;
    case "removeColumn":
      push({ kind: "drop-column", table, column });
      break;
    case "renameColumn":
      push({ kind: "rename-column", table, column, newName: staticString(attributes, module)?.value });
      break;
    case "changeColumn":
      // changeColumn redefines the column: Sequelize emits ALTER COLUMN ... TYPE (and SET NOT NULL for allowNull: false).
      push({ kind: "change-column-type", table, column });
      if (isBoolean(property(attributes, "allowNull"), false)) push({ kind: "set-not-null", table, column });
      break;
    case "addColumn": {
      const allowNull = property(attributes, "allowNull");
      const defaultValue = property(attributes, "defaultValue");
      const required =
        isBoolean(allowNull, false) &&
        (defaultValue === undefined || defaultValue.type === "NullLiteral") &&
        !isBoolean(property(attributes, "autoIncrement"), true) &&
        !isBoolean(property(attributes, "autoIncrementIdentity"), true);
      push({ kind: required ? "add-not-null-column" : "alter-table", table, column });
      break;
    }
    case "addIndex": {
      // addIndex(table, fields, { concurrently }) or addIndex(table, { fields, concurrently }).
      const concurrent = args.slice(1).some((a) => isBoolean(property(a, "concurrently"), true));
      push({ kind: "create-index", table, concurrent });
      break;
    }
  }
};

/** A TypeORM table argument: a name, `new Table({ name })`, or a Table object's name. */
function typeormName(node: t.Node | undefined, module: JsModule): string | undefined {
  return staticString(node, module)?.value ?? staticString(property(optionsObject(node, module), "name"), module)?.value;
}

/**
 * A `new TableColumn({...})` (or options object) that makes a NOT NULL column without a value for existing
 * rows: TypeORM's TableColumn is NOT NULL unless `isNullable: true`.
 */
function requiredColumn(node: t.Node | undefined, module: JsModule): boolean {
  const options = optionsObject(node, module);
  if (!options) return false;
  const has = (key: string) => {
    const v = property(options, key);
    return v !== undefined && v.type !== "NullLiteral" && !(v.type === "Identifier" && v.name === "undefined");
  };
  const isNullable = property(options, "isNullable");
  if (isNullable && !isBoolean(isNullable, false)) return false; // nullable, or decided at run time
  return !has("default") && !isBoolean(property(options, "isGenerated"), true) && !has("generatedIdentity") && !has("asExpression");
}

const typeormOp: OpReader = ({ name, args, module, onRunner }, push) => {
  if (!onRunner) return;
  const table = typeormName(args[0], module) ?? "";
  const second = args[1];
  const columns = (node: t.Node | undefined): (t.Node | undefined)[] =>
    node?.type === "ArrayExpression" ? node.elements.map((e) => e ?? undefined) : [node];
  switch (name) {
    case "createTable":
      push({ kind: "create-table", table });
      break;
    case "dropTable":
      push({ kind: "drop-table", table });
      break;
    case "renameTable":
      push({ kind: "rename-table", table, newName: typeormName(second, module) });
      break;
    case "dropColumn":
    case "dropColumns":
      for (const c of columns(second)) push({ kind: "drop-column", table, column: typeormName(c, module) });
      break;
    case "renameColumn":
      push({ kind: "rename-column", table, column: typeormName(second, module), newName: typeormName(args[2], module) });
      break;
    case "changeColumn":
      push({ kind: "change-column-type", table, column: typeormName(second, module) });
      break;
    case "changeColumns":
      // changeColumns(table, [{ oldColumn, newColumn }]).
      for (const c of columns(second)) push({ kind: "change-column-type", table, column: typeormName(property(c, "oldColumn"), module) });
      break;
    case "addColumn":
    case "addColumns":
      for (const c of columns(second)) {
        push({ kind: requiredColumn(c, module) ? "add-not-null-column" : "alter-table", table, column: typeormName(c, module) });
      }
      break;
    case "createIndex":
    case "createIndices":
      push({ kind: "create-index", table, concurrent: false });
      break;
  }
};
