import { isSafeTypeChange, type ColumnType } from "./rails-types.js";
import { analyzeSql } from "./sql.js";
import { allCalls, argument, children, parsePython, shortName, stringOf, type PyCallNode, type PyModule, type PyNode } from "./python-syntax.js";
import { lineAt, markConcurrentInTransaction, type MigrationAnalysis, type MigrationOp } from "./types.js";

/**
 * Django and Alembic migrations, read through the Python call tree of python-syntax.ts (comments, line
 * continuations and nested calls anywhere). The JavaScript and TypeScript readers (Knex, Sequelize,
 * TypeORM) use Babel's syntax tree the same way (js-syntax.ts).
 */

// ---------------------------------------------------------------------------------------------- Django

/** The database column a Django field produces (Postgres), for comparing an AlterField with the previous state. */
export interface DjangoColumn {
  type: ColumnType;
  nullable: boolean;
  /** `db_column`, when set. */
  dbColumn?: string;
  /** ManyToManyField, GenericRelation: no column on this table. */
  noColumn: boolean;
}

export interface DjangoField {
  model: string;
  field: string;
  /** Field class as written, e.g. `models.CharField`. */
  type: string;
  nullable: boolean;
  line: number;
  /** The column the field produces (undefined for RenameField events). */
  column?: DjangoColumn;
  /** RenameField: the field was called this before (type and nullability carry over). */
  renamedFrom?: string;
}

export interface DjangoAnalysis extends MigrationAnalysis {
  /** AlterField calls: judged against the field's previous definition by the rule. */
  alteredFields: DjangoField[];
  /** Fields as defined by CreateModel / AddField / AlterField in this file (for later migrations). */
  definedFields: DjangoField[];
}

/** Django's default table name: `<app label>_<model name in lower case>`. */
export function djangoTable(appLabel: string, model: string): string {
  return `${appLabel}_${model.toLowerCase()}`;
}

/** Default `max_length` of Django's CharField subclasses. */
const DEFAULT_MAX_LENGTH: Record<string, number> = {
  SlugField: 50,
  EmailField: 254,
  URLField: 200,
  FileField: 100,
  ImageField: 100,
  FilePathField: 100,
};

const COLUMN_TYPES: Record<string, string> = {
  AutoField: "integer",
  BigAutoField: "bigint",
  SmallAutoField: "smallint",
  IntegerField: "integer",
  PositiveIntegerField: "integer",
  BigIntegerField: "bigint",
  PositiveBigIntegerField: "bigint",
  SmallIntegerField: "smallint",
  PositiveSmallIntegerField: "smallint",
  BooleanField: "boolean",
  NullBooleanField: "boolean",
  FloatField: "float",
  TextField: "text",
  DateField: "date",
  DateTimeField: "timestamptz",
  TimeField: "time",
  DurationField: "interval",
  UUIDField: "uuid",
  JSONField: "jsonb",
  BinaryField: "binary",
  GenericIPAddressField: "inet",
  IPAddressField: "inet",
  HStoreField: "hstore",
  CICharField: "citext",
  CIEmailField: "citext",
  CITextField: "citext",
};

function integerOf(node: PyNode | undefined): number | undefined {
  return node && /^\d+$/.test(node.text) ? Number(node.text) : undefined;
}

/**
 * The column a field call produces: `models.CharField(max_length=20, null=True)` → varchar(20) NULL.
 * Options that only live in Django (`default`, `db_default`, `help_text`, `verbose_name`, `validators`,
 * `blank`, `choices`, ...) do not change the column's type; a field class we do not know is its own type.
 */
export function djangoColumn(field: PyNode | undefined): DjangoColumn {
  if (field?.kind !== "call") return { type: { type: field?.text ?? "" }, nullable: false, noColumn: false };
  const cls = shortName(field);
  const nullable = argument(field, "null")?.text === "True";
  const dbColumn = stringOf(argument(field, "db_column"));
  const base = { nullable, ...(dbColumn ? { dbColumn } : {}), noColumn: /^(ManyToManyField|GenericRelation)$/.test(cls) };
  if (cls === "CharField" || cls in DEFAULT_MAX_LENGTH || cls === "CommaSeparatedIntegerField")
    return { ...base, type: { type: "string", limit: integerOf(argument(field, "max_length")) ?? DEFAULT_MAX_LENGTH[cls] } };
  if (cls === "DecimalField")
    return {
      ...base,
      type: { type: "decimal", precision: integerOf(argument(field, "max_digits")), scale: integerOf(argument(field, "decimal_places")) },
    };
  if (cls === "ForeignKey" || cls === "OneToOneField") {
    // The column has the target's primary key type; the same target (and to_field) is the same column type.
    const target = (stringOf(argument(field, "to", 0)) ?? argument(field, "to", 0)?.text ?? "").toLowerCase();
    const toField = stringOf(argument(field, "to_field")) ?? "";
    return { ...base, type: { type: `fk:${target.split(".").at(-1)}:${toField}` } };
  }
  if (cls === "ArrayField") {
    const inner = djangoColumn(argument(field, "base_field", 0)).type;
    return { ...base, type: { ...inner, type: `${inner.type}[]` } };
  }
  return { ...base, type: { type: COLUMN_TYPES[cls] ?? cls.toLowerCase() } };
}

/** True when altering a field from `previous` to `next` changes its column's type in a way Postgres rewrites. */
export function djangoTypeChanges(previous: DjangoColumn, next: DjangoColumn): boolean {
  return !isSafeTypeChange(previous.type, next.type, false, false);
}

/** RunSQL / op.execute arguments: a string, a list of strings or (sql, params) pairs, sa.text(...), a module constant. */
async function pushPythonSql(out: MigrationAnalysis, module: PyModule, text: string, value: PyNode | undefined, line: number): Promise<void> {
  if (!value) return;
  if (value.kind === "name" && module.assignments.has(value.name)) value = module.assignments.get(value.name)!;
  if (value.kind === "call" && /(^|\.)text$/.test(value.callee)) value = argument(value, "text", 0) ?? value;
  if (value.kind === "list" || value.kind === "tuple") {
    for (const item of value.items) {
      const sql = item.kind === "tuple" ? item.items[0] : item;
      await pushPythonSql(out, module, text, sql, line);
    }
    return;
  }
  if (value.kind !== "string" || value.dynamic) {
    out.issues.push({ line, message: "SQL built at run time could not be judged", mayHideChange: false });
    return;
  }
  const analysis = await analyzeSql(value.value, lineAt(text, value.contentStart));
  out.ops.push(...analysis.ops);
  out.issues.push(...analysis.issues);
}

const DJANGO_OPERATIONS = new Set([
  "AddField",
  "RemoveField",
  "RenameField",
  "AlterField",
  "CreateModel",
  "DeleteModel",
  "RenameModel",
  "AlterModelTable",
  "AddIndex",
  "AddIndexConcurrently",
  "AddConstraint",
  "RunSQL",
]);

/** Operation calls that change the database, in source order; `state_operations` of SeparateDatabaseAndState are skipped. */
function databaseOperations(module: PyModule): PyCallNode[] {
  const out: PyCallNode[] = [];
  const visit = (node: PyNode) => {
    if (node.kind === "call") {
      const name = shortName(node);
      if (name === "SeparateDatabaseAndState") {
        // Only database_operations reach the database; state_operations change Django's model state.
        const db = argument(node, "database_operations", 0);
        if (db) visit(db);
        return;
      }
      if (DJANGO_OPERATIONS.has(name)) {
        out.push(node);
        return;
      }
    }
    for (const child of children(node)) visit(child);
  };
  for (const root of module.roots) visit(root);
  return out;
}

export async function analyzeDjango(text: string, appLabel: string): Promise<DjangoAnalysis> {
  const out: DjangoAnalysis = { ops: [], issues: [], alteredFields: [], definedFields: [] };
  const module = parsePython(text);
  for (const call of databaseOperations(module)) {
    const op = shortName(call);
    const line = lineAt(text, call.start);
    const model = stringOf(argument(call, "model_name", 0)) ?? "";
    const table = djangoTable(appLabel, model);
    const push = (o: Omit<MigrationOp, "line">) => out.ops.push({ line, ...o });
    const define = (modelName: string, field: string, fieldCall: PyNode | undefined) => {
      const column = djangoColumn(fieldCall);
      const type = fieldCall?.kind === "call" ? fieldCall.callee : (fieldCall?.text ?? "");
      const defined: DjangoField = { model: modelName.toLowerCase(), field, type, nullable: column.nullable, line, column };
      out.definedFields.push(defined);
      return defined;
    };
    switch (op) {
      case "CreateModel": {
        const name = stringOf(argument(call, "name", 0)) ?? "";
        const options = argument(call, "options", 3);
        const dbTable = options?.kind === "dict" ? stringOf(options.entries.find((e) => stringOf(e.key) === "db_table")?.value) : undefined;
        push({ kind: "create-table", table: dbTable ?? djangoTable(appLabel, name) });
        const fields = argument(call, "fields", 1);
        if (fields?.kind === "list" || fields?.kind === "tuple") {
          for (const item of fields.items) {
            if (item.kind !== "tuple" || item.items.length < 2) continue;
            const fieldName = stringOf(item.items[0]);
            if (fieldName !== undefined) define(name, fieldName, item.items[1]);
          }
        }
        break;
      }
      case "DeleteModel":
        push({ kind: "drop-table", table: djangoTable(appLabel, stringOf(argument(call, "name", 0)) ?? "") });
        break;
      case "RenameModel": {
        const oldName = stringOf(argument(call, "old_name", 0)) ?? "";
        const newName = stringOf(argument(call, "new_name", 1)) ?? "";
        push({ kind: "rename-table", table: djangoTable(appLabel, oldName), newName: djangoTable(appLabel, newName) });
        break;
      }
      case "AlterModelTable":
        push({
          kind: "rename-table",
          table: djangoTable(appLabel, stringOf(argument(call, "name", 0)) ?? ""),
          newName: stringOf(argument(call, "table", 1)),
        });
        break;
      case "RemoveField":
        push({ kind: "drop-column", table, column: stringOf(argument(call, "name", 1)) });
        break;
      case "RenameField": {
        const oldName = stringOf(argument(call, "old_name", 1)) ?? "";
        const newName = stringOf(argument(call, "new_name", 2)) ?? "";
        out.definedFields.push({ model: model.toLowerCase(), field: newName, type: "", nullable: false, line, renamedFrom: oldName });
        push({ kind: "rename-column", table, column: oldName, newName });
        break;
      }
      case "AddField": {
        const field = stringOf(argument(call, "name", 1)) ?? "";
        const fieldCall = argument(call, "field", 2);
        const defined = define(model, field, fieldCall);
        if (defined.column!.noColumn) break;
        const hasDefault =
          fieldCall?.kind === "call" && (argument(fieldCall, "default") !== undefined || argument(fieldCall, "db_default") !== undefined);
        push({ kind: !defined.nullable && !hasDefault ? "add-not-null-column" : "alter-table", table, column: field });
        break;
      }
      case "AlterField": {
        const field = stringOf(argument(call, "name", 1)) ?? "";
        out.alteredFields.push(define(model, field, argument(call, "field", 2)));
        push({ kind: "alter-table", table, column: field });
        break;
      }
      case "AddIndex":
      case "AddIndexConcurrently":
        push({ kind: "create-index", table, concurrent: op === "AddIndexConcurrently" });
        break;
      case "AddConstraint":
        push({ kind: "alter-table", table });
        break;
      case "RunSQL": {
        const sql = argument(call, "sql", 0);
        if (sql?.kind === "name" && /(^|\.)RunSQL\.noop$/.test(sql.name)) break;
        await pushPythonSql(out, module, text, sql, line);
        break;
      }
    }
  }
  out.ops.sort((a, b) => a.line - b.line);
  // Django runs a migration in a transaction unless the class sets `atomic = False`.
  if (!/^\s+atomic\s*=\s*False\b/m.test(text)) markConcurrentInTransaction(out);
  return out;
}

// ---------------------------------------------------------------------------------------------- Alembic

/** Token range of `def upgrade(...)`'s body: up to the next top-level def, class or decorator. */
function upgradeRange(module: PyModule): [number, number] | undefined {
  const tokens = module.tokens;
  const at = tokens.findIndex((t, k) => t.kind === "name" && t.text === "def" && t.col === 0 && tokens[k + 1]?.text === "upgrade");
  if (at < 0) return undefined;
  const next = tokens.findIndex(
    (t, k) => k > at + 1 && t.col === 0 && ((t.kind === "name" && (t.text === "def" || t.text === "class")) || (t.kind === "op" && t.text === "@")),
  );
  return [tokens[at]!.start, next < 0 ? Number.POSITIVE_INFINITY : tokens[next]!.start];
}

/** Alembic revision: only `upgrade()` is judged (`downgrade()` is the rollback). */
export async function analyzeAlembic(text: string): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const module = parsePython(text);
  const range = upgradeRange(module);
  if (!range) return out;
  const [from, to] = range;
  const inUpgrade = (node: { start: number }) => node.start >= from && node.start < to;

  // `with op.batch_alter_table("t") as batch_op:` gives `batch_op.*` calls their table.
  const batchTables = new Map<string, string>();
  const tokens = module.tokens;
  for (const call of allCalls(module)) {
    if (!inUpgrade(call) || !/(^|\.)batch_alter_table$/.test(call.callee)) continue;
    const k = tokens.findIndex((t) => t.start >= call.end);
    if (k >= 0 && tokens[k]!.text === "as" && tokens[k + 1]?.kind === "name") {
      batchTables.set(tokens[k + 1]!.text, stringOf(argument(call, "table_name", 0)) ?? "");
    }
  }
  for (const call of allCalls(module)) {
    if (!inUpgrade(call)) continue;
    const [receiver, method, ...rest] = call.callee.split(".");
    if (rest.length > 0 || method === undefined || (receiver !== "op" && !batchTables.has(receiver!))) continue;
    const batchTable = batchTables.get(receiver!);
    const shift = batchTable === undefined ? 0 : -1; // batch_op calls omit the table argument
    const table = batchTable ?? stringOf(argument(call, "table_name", 0)) ?? "";
    const line = lineAt(text, call.start);
    const positional = (n: number, name: string) => stringOf(argument(call, name, n + shift));
    const push = (o: Omit<MigrationOp, "line" | "table"> & { table?: string }) => out.ops.push({ table, line, ...o });
    switch (method) {
      case "create_table":
        push({ kind: "create-table", table: stringOf(argument(call, "table_name", 0)) ?? "" });
        break;
      case "drop_table":
        push({ kind: "drop-table", table: stringOf(argument(call, "table_name", 0)) ?? "" });
        break;
      case "rename_table":
        push({
          kind: "rename-table",
          table: stringOf(argument(call, "old_table_name", 0)) ?? "",
          newName: stringOf(argument(call, "new_table_name", 1)),
        });
        break;
      case "drop_column":
        push({ kind: "drop-column", column: positional(1, "column_name") });
        break;
      case "add_column": {
        const column = argument(call, "column", 1 + shift);
        const name = column?.kind === "call" ? stringOf(argument(column, "name", 0)) : undefined;
        const required =
          column?.kind === "call" && argument(column, "nullable")?.text === "False" && argument(column, "server_default") === undefined;
        push({ kind: required ? "add-not-null-column" : "alter-table", column: name });
        break;
      }
      case "alter_column": {
        const column = positional(1, "column_name");
        const newName = stringOf(argument(call, "new_column_name"));
        const type = argument(call, "type_");
        const existing = argument(call, "existing_type");
        const nullable = argument(call, "nullable")?.text;
        if (type) {
          // With existing_type known, a change Postgres makes in place (e.g. VARCHAR(50) → Text) is not reported.
          const previous = existing ? sqlalchemyType(existing.text) : undefined;
          const safe =
            previous !== undefined && !argument(call, "postgresql_using") && isSafeTypeChange(previous, sqlalchemyType(type.text), false, false);
          push(safe ? { kind: "alter-table", column } : { kind: "change-column-type", column, detail: type.text });
        }
        if (nullable === "False") push({ kind: "set-not-null", column });
        if (newName) push({ kind: "rename-column", column, newName });
        if (!type && nullable !== "False" && !newName) push({ kind: "alter-table", column });
        break;
      }
      case "create_index": {
        const indexTable = batchTable ?? stringOf(argument(call, "table_name", 1)) ?? "";
        const concurrent = argument(call, "postgresql_concurrently")?.text === "True";
        // Alembic runs upgrade() in a transaction on Postgres; CONCURRENTLY needs an autocommit_block().
        const kind = concurrent && !insideAutocommitBlock(text, call.start) ? "concurrent-index-in-transaction" : "create-index";
        push({ kind, table: indexTable, concurrent });
        break;
      }
      case "execute":
        await pushPythonSql(out, module, text, argument(call, "sqltext", 0), line);
        break;
      case "create_foreign_key":
      case "create_unique_constraint":
      case "create_check_constraint":
      case "drop_constraint":
        push({
          kind: "alter-table",
          table: stringOf(argument(call, "source_table", 1)) ?? stringOf(argument(call, "table_name", 1)) ?? table,
        });
        break;
    }
  }
  return out;
}

/** A SQLAlchemy type expression (`sa.String(length=50)`, `postgresql.JSONB()`) in the Rails type vocabulary. */
export function sqlalchemyType(source: string): ColumnType {
  const m = /(?:^|\.)(\w+)\s*(?:\(([^)]*)\))?\s*$/.exec(source.trim());
  const name = (m?.[1] ?? source).toLowerCase();
  const args = (m?.[2] ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  const positional = args.filter((a) => !a.includes("=")).map(Number);
  const keyword = (k: string) => {
    const v = args.find((a) => a.startsWith(`${k}=`))?.split("=")[1];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  if (["string", "varchar", "unicode", "nvarchar"].includes(name)) return { type: "string", limit: keyword("length") ?? positional[0] };
  if (["text", "unicodetext"].includes(name)) return { type: "text" };
  if (["numeric", "decimal"].includes(name))
    return { type: "decimal", precision: keyword("precision") ?? positional[0], scale: keyword("scale") ?? positional[1] };
  if (name === "datetime" || name === "timestamp") {
    return { type: /timezone\s*=\s*True/.test(source) ? "timestamptz" : "datetime", precision: keyword("precision") };
  }
  return { type: name, limit: keyword("length") };
}

/** True when `index` sits in the indented body of a `with ...autocommit_block():` statement. */
function insideAutocommitBlock(text: string, index: number): boolean {
  const lines = text.slice(0, index).split("\n");
  const indentOf = (line: string) => line.length - line.trimStart().length;
  let indent = indentOf(lines.at(-1) ?? "");
  for (let i = lines.length - 2; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const lineIndent = indentOf(line);
    if (lineIndent < indent) {
      if (/^\s*with\b.*autocommit_block\(\)/.test(line)) return true;
      if (/^\s*def\s/.test(line)) return false;
      indent = lineIndent;
    }
  }
  return false;
}
