import { analyzeSql } from "./sql.js";
import { parseStructured, isRecord, asArray, type StructuredDoc } from "../../engine/structured.js";
import type { MigrationAnalysis, MigrationOp } from "./types.js";

/**
 * Liquibase changelogs (XML with `sax` for line numbers; YAML/JSON with the shared structured parser).
 * Change types judged: dropTable, dropColumn, renameTable, renameColumn, modifyDataType,
 * addNotNullConstraint (without defaultNullValue), addColumn (NOT NULL without a default), createIndex,
 * createTable and raw `sql`. `rollback` blocks are not judged.
 */
export async function analyzeLiquibase(path: string, text: string): Promise<MigrationAnalysis> {
  return /\.xml$/i.test(path) ? analyzeXml(text) : analyzeStructured(text);
}

type Attributes = Record<string, string>;

interface ChangeInput {
  type: string;
  attrs: Attributes;
  /** Nested <column> elements (addColumn / dropColumn). */
  columns: { attrs: Attributes; nullable?: string; line: number }[];
  line: number;
  sql?: { text: string; line: number };
}

const COLUMN_DEFAULTS = [
  "defaultValue",
  "defaultValueNumeric",
  "defaultValueBoolean",
  "defaultValueDate",
  "defaultValueComputed",
  "defaultValueSequenceNext",
  "autoIncrement",
];

async function judgeChange(change: ChangeInput, out: MigrationAnalysis): Promise<void> {
  const a = change.attrs;
  const table = [a.schemaName, a.tableName].filter(Boolean).join(".");
  const push = (o: Omit<MigrationOp, "line" | "table"> & { table?: string; line?: number }) => out.ops.push({ table, line: change.line, ...o });
  switch (change.type) {
    case "createTable":
      push({ kind: "create-table" });
      break;
    case "dropTable":
      push({ kind: "drop-table" });
      break;
    case "renameTable":
      push({ kind: "rename-table", table: a.oldTableName ?? "", newName: a.newTableName });
      break;
    case "dropColumn":
      if (a.columnName) push({ kind: "drop-column", column: a.columnName });
      for (const c of change.columns) push({ kind: "drop-column", column: c.attrs.name, line: c.line });
      break;
    case "renameColumn":
      push({ kind: "rename-column", column: a.oldColumnName, newName: a.newColumnName });
      break;
    case "modifyDataType":
      push({ kind: "change-column-type", column: a.columnName, detail: a.newDataType });
      break;
    case "addNotNullConstraint":
      push({ kind: a.defaultNullValue === undefined ? "set-not-null" : "alter-table", column: a.columnName });
      break;
    case "addColumn":
      for (const c of change.columns) {
        const required = c.nullable === "false" || /^(false)$/i.test(String(c.attrs.nullable ?? ""));
        const filled = COLUMN_DEFAULTS.some((k) => c.attrs[k] !== undefined);
        push({ kind: required && !filled ? "add-not-null-column" : "alter-table", column: c.attrs.name, line: c.line });
      }
      break;
    case "createIndex":
      push({ kind: "create-index", concurrent: false });
      break;
    case "sql":
      if (change.sql) {
        const analysis = await analyzeSql(change.sql.text, change.sql.line);
        out.ops.push(...analysis.ops);
        out.issues.push(...analysis.issues);
      }
      break;
    case "addForeignKeyConstraint":
    case "addUniqueConstraint":
    case "addDefaultValue":
    case "dropNotNullConstraint":
      push({ kind: "alter-table", table: [a.baseTableSchemaName ?? a.schemaName, a.baseTableName ?? a.tableName].filter(Boolean).join(".") });
      break;
  }
}

async function analyzeXml(text: string): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  // sax is loaded by the first XML changelog.
  const { default: sax } = await import("sax");
  const parser = sax.parser(true, { position: true });
  const changes: ChangeInput[] = [];
  const stack: string[] = [];
  let current: ChangeInput | undefined;
  let currentDepth = -1;
  let sqlText = "";
  let sqlLine = 0;
  parser.onopentag = (tag) => {
    const name = tag.name.replace(/^\w+:/, "");
    stack.push(name);
    const attrs = Object.fromEntries(Object.entries(tag.attributes).map(([k, v]) => [k, String(typeof v === "string" ? v : v.value)]));
    const line = parser.line + 1;
    if (stack.includes("rollback") || stack.includes("preConditions")) return;
    if (!current && stack.at(-2) === "changeSet") {
      current = { type: name, attrs, columns: [], line };
      currentDepth = stack.length;
      sqlText = "";
      sqlLine = line;
    } else if (current && name === "column") {
      current.columns.push({ attrs, line });
    } else if (current && name === "constraints" && current.columns.length > 0) {
      current.columns.at(-1)!.nullable = attrs.nullable;
    }
  };
  const onText = (t: string) => {
    if (current?.type === "sql" && stack.length === currentDepth) {
      if (!sqlText.trim()) sqlLine = parser.line + 1 - (t.match(/\n/g)?.length ?? 0);
      sqlText += t;
    }
  };
  parser.ontext = onText;
  parser.oncdata = onText;
  parser.onclosetag = () => {
    if (current && stack.length === currentDepth) {
      if (current.type === "sql") {
        // Leading blank lines of the text node are kept so SQL line numbers stay exact.
        current.sql = { text: sqlText, line: sqlLine };
      }
      changes.push(current);
      current = undefined;
    }
    stack.pop();
  };
  try {
    parser.write(text).close();
  } catch (error) {
    out.issues.push({ line: parser.line + 1, message: `not well-formed XML: ${(error as Error).message.split("\n")[0]}`, mayHideChange: true });
  }
  for (const change of changes) await judgeChange(change, out);
  return out;
}

async function analyzeStructured(text: string): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const parsed = parseStructured(text);
  for (const error of parsed.errors) out.issues.push({ line: error.line, message: error.message, mayHideChange: true });
  for (const doc of parsed.docs) {
    if (!isRecord(doc.value)) continue;
    const entries = asArray(doc.value.databaseChangeLog);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (!isRecord(entry) || !isRecord(entry.changeSet)) continue;
      const changes = asArray(entry.changeSet.changes);
      for (let j = 0; j < changes.length; j++) {
        const change = changes[j];
        if (!isRecord(change)) continue;
        for (const [type, body] of Object.entries(change)) {
          const path = ["databaseChangeLog", i, "changeSet", "changes", j, type];
          await judgeChange(structuredChange(doc, path, type, body), out);
        }
      }
    }
  }
  return out;
}

function structuredChange(doc: StructuredDoc, path: (string | number)[], type: string, body: unknown): ChangeInput {
  const attrs: Attributes = {};
  const columns: ChangeInput["columns"] = [];
  if (isRecord(body)) {
    for (const [k, v] of Object.entries(body)) if (typeof v !== "object" || v === null) attrs[k] = String(v);
    asArray(body.columns).forEach((item, index) => {
      const column = isRecord(item) && isRecord(item.column) ? item.column : undefined;
      if (!column) return;
      const colAttrs: Attributes = {};
      for (const [k, v] of Object.entries(column)) if (typeof v !== "object" || v === null) colAttrs[k] = String(v);
      const constraints = isRecord(column.constraints) ? column.constraints : {};
      columns.push({
        attrs: colAttrs,
        nullable: constraints.nullable === undefined ? undefined : String(constraints.nullable),
        line: doc.lineOf([...path, "columns", index, "column"]),
      });
    });
  }
  const change: ChangeInput = { type, attrs, columns, line: doc.lineOf(path) };
  if (type === "sql") {
    const sqlText = typeof body === "string" ? body : isRecord(body) && typeof body.sql === "string" ? body.sql : undefined;
    if (sqlText !== undefined) {
      // Block scalars start on the line after the key.
      const keyLine = doc.lineOf(typeof body === "string" ? path : [...path, "sql"]);
      change.sql = { text: sqlText, line: keyLine + 1 };
    }
  }
  return change;
}
