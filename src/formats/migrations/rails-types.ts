/**
 * Column types of a Rails app, to tell type changes Postgres makes without rewriting the table from
 * those that rewrite it. The previous type comes from `db/schema.rb` at base and from columns the same
 * migration added before. The safe list follows strong_migrations' Postgres adapter
 * (lib/strong_migrations/adapters/postgresql_adapter.rb, `changing_type_safe?`).
 */

export interface ColumnType {
  type: string;
  limit?: number;
  precision?: number;
  scale?: number;
  /** False when the column is declared `null: false` (or is the implicit primary key). */
  nullable?: boolean;
}

export class RailsColumns {
  /** True when db/schema.rb shows Postgres (`enable_extension "plpgsql"`), false for another database, undefined without a schema. */
  postgres: boolean | undefined;

  private readonly columns = new Map<string, ColumnType>();
  private readonly indexed = new Set<string>();
  /** Columns named in a check constraint: changing their type re-checks the constraint (full scan). */
  private readonly checked = new Set<string>();

  get(table: string, column: string): ColumnType | undefined {
    return this.columns.get(`${table}.${column}`);
  }

  set(table: string, column: string, type: ColumnType): void {
    this.columns.set(`${table}.${column}`, type);
  }

  index(table: string, columns: string[]): void {
    for (const c of columns) this.indexed.add(`${table}.${c}`);
  }

  check(table: string, expression: string): void {
    for (const word of expression.match(/[A-Za-z_]\w*/g) ?? []) this.checked.add(`${table}.${word}`);
  }

  isIndexed(table: string, column: string): boolean {
    return this.indexed.has(`${table}.${column}`);
  }

  isChecked(table: string, column: string): boolean {
    return this.checked.has(`${table}.${column}`);
  }
}

/** `:string, limit: 20` → { type: "string", limit: 20 } from a type symbol and keyword options. */
export function columnType(type: string | undefined, options: Record<string, string>): ColumnType {
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);
  const name = (type ?? "").replace(/^:|"/g, "");
  // For time types Rails passes `limit:` through as the precision.
  const precision = num(options.precision) ?? (TIME_TYPES.has(name) ? num(options.limit) : undefined);
  return { type: name, limit: num(options.limit), precision, scale: num(options.scale), nullable: !/^false$/.test(options.null?.trim() ?? "") };
}

const TIME_TYPES = new Set(["datetime", "timestamp", "timestamptz", "time", "interval"]);

/** True when Postgres changes `from` to `to` without rewriting the table or rescanning it. */
export function isSafeTypeChange(from: ColumnType, to: ColumnType, indexed: boolean, checked: boolean): boolean {
  if (checked) return false;
  const a = normalize(from.type);
  const b = normalize(to.type);
  if (a === b && from.limit === to.limit && from.precision === to.precision && from.scale === to.scale) return true;
  if (a === "string" && b === "text") return true;
  if (a === "string" && b === "string") return to.limit === undefined || (from.limit !== undefined && to.limit >= from.limit);
  if (a === "text" && b === "string") return to.limit === undefined;
  if ((a === "string" || a === "text") && b === "citext") return !indexed;
  if (a === "citext" && (b === "text" || (b === "string" && to.limit === undefined))) return !indexed;
  if (a === "decimal" && b === "decimal") {
    if (to.precision === undefined && to.scale === undefined) return true;
    return (from.scale ?? 0) === (to.scale ?? 0) && from.precision !== undefined && to.precision !== undefined && to.precision >= from.precision;
  }
  if (TIME_TYPES.has(a) && TIME_TYPES.has(b)) {
    const sameFamily = a === b || (isTimestamp(a) && isTimestamp(b));
    // Rails defaults datetime precision to 6 (the Postgres maximum); timestamp → timestamptz is
    // metadata-only on Postgres 12+ when the session time zone is UTC (Rails' default).
    return sameFamily && (to.precision ?? 6) >= (from.precision ?? 6);
  }
  if (a === "cidr" && b === "inet") return true;
  return false;
}

function normalize(type: string): string {
  const t = type.toLowerCase();
  if (t === "varchar" || t === "character varying") return "string";
  if (t === "numeric") return "decimal";
  return t;
}

function isTimestamp(type: string): boolean {
  return type === "datetime" || type === "timestamp" || type === "timestamptz";
}
