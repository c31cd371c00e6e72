/**
 * Table references in SQL embedded in code, read conservatively: only inside string literals (or a line
 * that continues a multi-line SQL string and starts with an upper-case clause keyword), and only after
 * FROM, JOIN, INSERT INTO, UPDATE ... SET and DELETE FROM. The literal must look like SQL (start with a
 * statement keyword, or use upper-case keywords) so prose such as "update from the server" is ignored.
 */

export interface SqlTableReference {
  table: string;
  verb: "read" | "write";
}

const STRING_LITERAL = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`((?:[^`\\]|\\.)*)`/g;
const OPEN_MULTILINE = /(?:"""|'''|`)([^`"']*)$/;
const NAME = String.raw`((?:"[^"]+"|\`[^\`]+\`|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|\`[^\`]+\`|[A-Za-z_][\w$]*))?)`;
const REFERENCE = new RegExp(String.raw`\b(FROM|JOIN|INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+${NAME}(\s+SET\b)?`, "gi");
const STATEMENT_START = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i;
const UPPER_CLAUSE = /^\s*(FROM|(?:INNER |LEFT |RIGHT |FULL |CROSS )?(?:OUTER )?JOIN|INSERT INTO|UPDATE|DELETE FROM|SELECT)\s/;

export function sqlTableReferences(line: string): SqlTableReference[] {
  const segments: string[] = [];
  for (const m of line.matchAll(STRING_LITERAL)) segments.push(m[1] ?? m[2] ?? m[3] ?? "");
  const open = OPEN_MULTILINE.exec(line.replace(STRING_LITERAL, ""));
  if (open) segments.push(open[1]!);
  if (segments.length === 0 && UPPER_CLAUSE.test(line)) segments.push(line);
  const refs: SqlTableReference[] = [];
  for (const segment of segments) {
    const uppercaseKeywords = /\b(FROM|JOIN|INSERT INTO|UPDATE|DELETE FROM)\b/.test(segment);
    if (!STATEMENT_START.test(segment) && !uppercaseKeywords) continue;
    for (const m of segment.matchAll(REFERENCE)) {
      const keyword = m[1]!.toUpperCase().replace(/\s+/g, " ");
      if (keyword === "UPDATE" && !m[3]) continue; // "UPDATE x SET" only
      const table = m[2]!.replace(/["`]/g, "");
      if (/^(select|lateral|unnest|only|set|where|values|generate_series)$/i.test(table)) continue;
      refs.push({ table, verb: keyword === "FROM" || keyword === "JOIN" ? "read" : "write" });
    }
  }
  return refs;
}
