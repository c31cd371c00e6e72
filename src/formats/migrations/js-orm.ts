import type * as t from "@babel/types";

import {
  chainRoot,
  firstParamName,
  isBoolean,
  keyName,
  memberPath,
  methodCall,
  optionsObject,
  parseJs,
  property,
  pushSql,
  staticString,
  unparsable,
  unwrap,
  upFunctions,
  walk,
  type JsModule,
} from "./js-syntax.js";
import { isSafeTypeChange, type ColumnType } from "./rails-types.js";
import { tableKey, type MigrationAnalysis, type MigrationOp } from "./types.js";

/**
 * Sequelize (`queryInterface.*` in `up`) and TypeORM (`queryRunner.*` in `up()`, mostly generated
 * `queryRunner.query("<SQL>")`) migrations, read through the syntax tree of js-syntax.ts. Only `up` (and
 * the helpers it calls) is judged; SQL strings go to the SQL parser at their own lines.
 */
export async function analyzeSequelize(text: string): Promise<SequelizeAnalysis> {
  const columnEvents: SequelizeColumnEvent[] = [];
  const analysis = await analyzeOrm(text, "Sequelize", (call, push, line) => sequelizeOp(call, push, line, (e) => columnEvents.push(e)));
  columnEvents.sort((a, b) => a.line - b.line);
  return { ...analysis, columnEvents };
}

/** A column as a Sequelize migration writes it (a createTable attribute, addColumn, changeColumn). */
export interface SequelizeColumn {
  /** The type as written, normalised (`STRING(1024)`, `ARRAY(STRING)`); undefined when built at run time. */
  type?: string;
  /** False for `allowNull: false` or a primary key, true when allowed (Sequelize's default); undefined when decided at run time. */
  nullable?: boolean;
}

/** What an `up` does to the columns of tables, in order: the state a later changeColumn is judged against. */
export type SequelizeColumnEvent =
  | { kind: "define"; table: string; column: string; line: number; definition: SequelizeColumn; changed: boolean }
  | { kind: "rename"; table: string; column: string; newName: string; line: number }
  | { kind: "drop"; table: string; column: string; line: number }
  | { kind: "create-table"; table: string; line: number }
  | { kind: "rename-table"; table: string; newName: string; line: number }
  | { kind: "drop-table"; table: string; line: number };

export interface SequelizeAnalysis extends MigrationAnalysis {
  columnEvents: SequelizeColumnEvent[];
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
type OpReader = (call: Call, push: (op: Omit<MigrationOp, "line">) => void, line: number) => void;

async function analyzeOrm(text: string, framework: string, read: OpReader): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const parsed = await parseJs(text);
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
      read({ name: m.name, args: m.call.arguments, module, onRunner }, (op) => out.ops.push({ ...op, line: m.line }), m.line);
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

function sequelizeOp(
  { name, args, module }: Call,
  push: (op: Omit<MigrationOp, "line">) => void,
  line: number,
  event: (e: SequelizeColumnEvent) => void,
): void {
  const table = sequelizeTable(args[0], module);
  const column = staticString(args[1], module)?.value;
  const attributes = args[2];
  switch (name) {
    case "createTable": {
      push({ kind: "create-table", table });
      event({ kind: "create-table", table, line });
      const columns = args[1] ? unwrap(args[1]) : undefined;
      if (columns?.type === "ObjectExpression") {
        for (const prop of columns.properties) {
          const key = prop.type === "ObjectProperty" ? keyName(prop) : undefined;
          if (key !== undefined && prop.type === "ObjectProperty")
            event({ kind: "define", table, column: key, line, definition: sequelizeColumn(prop.value, module), changed: false });
        }
      }
      break;
    }
    case "dropTable":
      push({ kind: "drop-table", table });
      event({ kind: "drop-table", table, line });
      break;
    case "renameTable": {
      const newName = sequelizeTable(args[1], module);
      push({ kind: "rename-table", table, newName });
      event({ kind: "rename-table", table, newName, line });
      break;
    }
    case "removeColumn":
      push({ kind: "drop-column", table, column });
      if (column !== undefined) event({ kind: "drop", table, column, line });
      break;
    case "renameColumn": {
      const newName = staticString(attributes, module)?.value;
      push({ kind: "rename-column", table, column, newName });
      if (column !== undefined && newName !== undefined) event({ kind: "rename", table, column, newName, line });
      break;
    }
    case "changeColumn":
      // changeColumn redefines the column (ALTER COLUMN ... TYPE, SET/DROP NOT NULL): whether that changes its type
      // or makes it NOT NULL depends on its previous definition, which destructive-migration finds in earlier
      // migrations (sequelizeColumnChange). Here it is an ALTER of the table.
      push({ kind: "alter-table", table, column });
      if (column !== undefined) event({ kind: "define", table, column, line, definition: sequelizeColumn(attributes, module), changed: true });
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
      if (column !== undefined) event({ kind: "define", table, column, line, definition: sequelizeColumn(attributes, module), changed: false });
      break;
    }
    case "addIndex": {
      // addIndex(table, fields, { concurrently }) or addIndex(table, { fields, concurrently }).
      const concurrent = args.slice(1).some((a) => isBoolean(property(a, "concurrently"), true));
      push({ kind: "create-index", table, concurrent });
      break;
    }
  }
}

/** A column definition: `{ type, allowNull, primaryKey }`, or the type alone (`name: Sequelize.STRING`). */
function sequelizeColumn(node: t.Node | undefined, module: JsModule): SequelizeColumn {
  if (!node) return {};
  const n = unwrap(node);
  if (n.type !== "ObjectExpression") return { type: sequelizeType(n, module), nullable: true };
  const allowNull = property(n, "allowNull");
  const primaryKey = isBoolean(property(n, "primaryKey"), true);
  const nullable = primaryKey ? false : allowNull === undefined ? true : allowNull.type === "BooleanLiteral" ? allowNull.value : undefined;
  return { type: sequelizeType(property(n, "type"), module), nullable };
}

/**
 * A Sequelize data type as written, without its namespace: `Sequelize.STRING(1024)` and `new DataTypes.STRING(1024)`
 * → `STRING(1024)`, `Sequelize.ARRAY(Sequelize.STRING)` → `ARRAY(STRING)`, `"VARCHAR(20)"` → `VARCHAR(20)`.
 * Undefined when it is computed at run time.
 */
function sequelizeType(node: t.Node | undefined, module: JsModule, depth = 0): string | undefined {
  if (!node || depth > 6) return undefined;
  const n = unwrap(node);
  const literal = staticString(n, module);
  if (literal) return literal.value.trim().toUpperCase().replace(/\s+/g, " ");
  if (n.type === "NumericLiteral") return String(n.value);
  const name = (callee: t.Node) => {
    const path = memberPath(callee);
    const start = path?.findIndex((segment) => /^[A-Z][A-Z0-9_]*$/.test(segment)) ?? -1;
    return path && start >= 0 ? path.slice(start).join(".") : undefined;
  };
  if (n.type === "CallExpression" || n.type === "NewExpression") {
    const callee = name(n.callee);
    const args = n.arguments.map((a) => sequelizeType(a, module, depth + 1));
    return callee !== undefined && args.every((a) => a !== undefined) ? `${callee}(${args.join(",")})` : undefined;
  }
  return name(n);
}

/** A Sequelize type as the column type Postgres gets (`STRING` is varchar(255), `DATE` timestamptz). */
function postgresColumn(type: string): ColumnType | undefined {
  const m = /^([A-Z][A-Z0-9_.]*)(?:\((.*)\))?$/.exec(type);
  if (!m) return undefined;
  const args = (m[2] ?? "").split(",").filter((a) => a !== "");
  const num = (i: number) => (args[i] !== undefined && /^\d+$/.test(args[i]!) ? Number(args[i]) : undefined);
  switch (m[1]) {
    case "STRING":
    case "VARCHAR":
      return { type: "string", limit: num(0) ?? (m[1] === "STRING" ? 255 : undefined) };
    case "TEXT":
      return args.length === 0 ? { type: "text" } : undefined;
    case "CITEXT":
      return { type: "citext" };
    case "DECIMAL":
    case "NUMERIC":
      return { type: "decimal", precision: num(0), scale: num(1) };
    case "DATE":
      return { type: "timestamptz", precision: num(0) };
    default:
      return undefined;
  }
}

/**
 * True when changing a column from Sequelize type `before` to `after` rewrites the table on Postgres: a
 * different type, except the widenings Postgres makes in place (a longer varchar, varchar to text, a larger
 * numeric precision; strong_migrations' list). Array element types count as different (Postgres 15 rewrites
 * `varchar(255)[]` to `varchar(1024)[]`).
 */
export function sequelizeTypeChanges(before: string, after: string): boolean {
  if (before === after) return false;
  const a = postgresColumn(before);
  const b = postgresColumn(after);
  return !(a && b && isSafeTypeChange(a, b, false, false));
}

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

/**
 * Looks through `events` (one migration's, in order) from the newest back for the definition a column had:
 * the definition; "unknown" when the walk reaches where the column or its table was dropped or created
 * without it (nothing earlier can tell); undefined when this migration says nothing about it (look further
 * back). `target` follows renames: it names the column as the migrations before this one call it.
 */
export function previousColumn(
  events: readonly SequelizeColumnEvent[],
  target: { table: string; column: string },
): SequelizeColumn | "unknown" | undefined {
  const same = (a: string, b: string) => tableKey(a) === tableKey(b);
  for (const e of [...events].reverse()) {
    if (!same(e.table, target.table) && !(e.kind === "rename-table" && same(e.newName, target.table))) continue;
    switch (e.kind) {
      case "define":
        if (e.column === target.column) return e.definition;
        break;
      case "rename":
        if (e.newName === target.column) target.column = e.column;
        break;
      case "drop":
        if (e.column === target.column) return "unknown";
        break;
      case "rename-table":
        if (same(e.newName, target.table)) target.table = e.table;
        break;
      case "create-table":
      case "drop-table":
        return "unknown";
    }
  }
  return undefined;
}
