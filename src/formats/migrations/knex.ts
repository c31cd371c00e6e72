import { arg, findCalls, pushSqlArg, type PyCall } from "./python.js";
import { lineAt, type MigrationAnalysis, type MigrationOp } from "./types.js";

const COLUMN_TYPES =
  "increments|bigIncrements|integer|bigInteger|tinyint|smallint|mediumint|bigint|text|string|float|double|decimal|boolean|date|datetime|time|timestamp|binary|enum|enu|json|jsonb|uuid|specificType|geometry|geography|point";

/**
 * Knex migrations (`exports.up` / `export async function up`). Only `up` is judged. Table context comes
 * from the `createTable` / `alterTable` / `table` call whose callback encloses a column call.
 */
export async function analyzeKnex(text: string): Promise<MigrationAnalysis> {
  const out: MigrationAnalysis = { ops: [], issues: [] };
  const section = upSection(text);
  if (!section) return out;
  const [from, to] = section;

  const schemaCalls = findCalls(
    text,
    /\.(createTable|createTableIfNotExists|dropTable|dropTableIfExists|renameTable|alterTable|table|raw)\s*\(/,
    from,
    to,
    "js",
  );
  const scopes: { table: string; created: boolean; call: PyCall }[] = [];
  for (const call of schemaCalls) {
    const line = lineAt(text, call.start);
    const table = arg(call, "", 0)?.string ?? "";
    const push = (o: Omit<MigrationOp, "line" | "table">) => out.ops.push({ table, line, ...o });
    switch (call.name) {
      case "createTable":
      case "createTableIfNotExists":
        push({ kind: "create-table" });
        scopes.push({ table, created: true, call });
        break;
      case "dropTable":
      case "dropTableIfExists":
        push({ kind: "drop-table" });
        break;
      case "renameTable":
        push({ kind: "rename-table", newName: arg(call, "", 1)?.string });
        break;
      case "alterTable":
      case "table":
        scopes.push({ table, created: false, call });
        break;
      case "raw":
        await pushSqlArg(out, text, arg(call, "", 0), line);
        break;
    }
  }

  const columnCalls = findCalls(text, new RegExp(`\\b\\w+\\.(dropColumns?|renameColumn|index|${COLUMN_TYPES})\\s*\\(`), from, to, "js");
  for (const call of columnCalls) {
    const scope = scopes.filter((s) => call.start > s.call.start && call.end <= s.call.end).at(-1);
    if (!scope || scope.created) continue;
    const line = lineAt(text, call.start);
    const push = (o: Omit<MigrationOp, "line" | "table">) => out.ops.push({ table: scope.table, line, ...o });
    const first = arg(call, "", 0)?.string;
    switch (call.name) {
      case "dropColumn":
      case "dropColumns":
        for (const a of call.args) if (a.string !== undefined) push({ kind: "drop-column", column: a.string });
        break;
      case "renameColumn":
        push({ kind: "rename-column", column: first, newName: arg(call, "", 1)?.string });
        break;
      case "index":
        push({ kind: "create-index", concurrent: false });
        break;
      default: {
        const chain = /^(?:\s*\.\s*\w+\s*\([^)]*\))*/.exec(text.slice(call.end))![0];
        const notNull = /\.\s*notNullable\s*\(/.test(chain);
        const hasDefault = /\.\s*defaultTo\s*\(/.test(chain);
        if (/\.\s*alter\s*\(/.test(chain)) {
          // knex's .alter() always emits ALTER COLUMN ... TYPE (plus SET/DROP NOT NULL and DEFAULT).
          push({ kind: "change-column-type", column: first, detail: call.name });
          if (notNull) push({ kind: "set-not-null", column: first });
        } else {
          push({ kind: notNull && !hasDefault ? "add-not-null-column" : "alter-table", column: first });
        }
      }
    }
  }
  out.ops.sort((a, b) => a.line - b.line);
  return out;
}

/** [start, end) of the `up` migration function (Knex, Sequelize, TypeORM); undefined when the file has none. */
export function upSection(text: string): [number, number] | undefined {
  const up = /(?:exports\.up\s*=|export\s+(?:async\s+)?function\s+up\b|export\s+const\s+up\s*=|^\s*(?:public\s+)?(?:async\s+)?up\s*[(:])/m.exec(text);
  if (!up) return undefined;
  const down =
    /(?:exports\.down\s*=|export\s+(?:async\s+)?function\s+down\b|export\s+const\s+down\s*=|^\s*(?:public\s+)?(?:async\s+)?down\s*[(:])/m.exec(text);
  const end = down && down.index > up.index ? down.index : text.length;
  return [up.index, end];
}
