import { matchesAny } from "../engine/globs.js";
import { defineRule } from "../engine/types.js";
import { changedMigrations } from "../formats/migrations/changed.js";
import { tableKey } from "../formats/migrations/types.js";
import { sqlTableReferences } from "../formats/migrations/sql-strings.js";

/** Source files whose string literals may hold SQL. */
const CODE_FILE = /\.(ts|tsx|js|jsx|mjs|cjs|py|rb|go|java|kt|scala|cs|php|ex|exs|rs|sql)$/i;

export const crossServiceDataAccess = defineRule({
  meta: {
    id: "cross-service-data-access",
    title: "Cross-service data access",
    category: "data",
    defaultSeverity: "error",
    description:
      "A migration or an added SQL query under one service's paths touches a table that another service owns (ownership from `services` in the config).",
    messages: {
      migrationChangesOwnedTable: "migration of service `{{service}}` changes table `{{table}}` ({{operation}}), which service `{{owner}}` owns",
      queryReadsOwnedTable: "query in service `{{service}}` reads table `{{table}}`, which service `{{owner}}` owns",
      queryWritesOwnedTable: "query in service `{{service}}` writes table `{{table}}`, which service `{{owner}}` owns",
    },
  },
  async evaluate(ctx) {
    const services = Object.entries(ctx.config.services);
    const owners = new Map<string, string>();
    for (const [name, service] of services) for (const table of service.tables) if (!owners.has(tableKey(table))) owners.set(tableKey(table), name);
    if (owners.size === 0) return;
    const serviceOf = (path: string) => services.find(([, s]) => matchesAny(path, s.paths))?.[0];
    const migrationPaths = new Set<string>();

    for (const m of await changedMigrations(ctx)) {
      migrationPaths.add(m.file.path);
      const service = serviceOf(m.file.path);
      if (!service) continue;
      for (const op of m.analysis.ops) {
        if (op.kind === "create-table" || (m.addedLines && !m.addedLines.has(op.line))) continue;
        const owner = owners.get(tableKey(op.table));
        if (!owner || owner === service) continue;
        ctx.report({
          messageId: "migrationChangesOwnedTable",
          data: { service, table: op.table, operation: op.kind.replace(/-/g, " "), owner },
          file: m.file.path,
          line: op.line,
          remediation: `Ask \`${owner}\` for the change through its API, events or its own migration; a service migrates only the tables it owns.`,
          key: `migration:${op.kind}:${tableKey(op.table)}${op.column ? `.${op.column.toLowerCase()}` : ""}`,
        });
      }
    }

    for (const file of ctx.headFiles) {
      if (migrationPaths.has(file.path) || !CODE_FILE.test(file.path)) continue;
      const service = serviceOf(file.path);
      if (!service) continue;
      for (const line of await ctx.addedLines(file.path)) {
        for (const ref of sqlTableReferences(line.text)) {
          const owner = owners.get(tableKey(ref.table));
          if (!owner || owner === service) continue;
          ctx.report({
            messageId: ref.verb === "read" ? "queryReadsOwnedTable" : "queryWritesOwnedTable",
            data: { service, table: ref.table, owner },
            file: file.path,
            line: line.line,
            remediation: `Get the data from \`${owner}\` through its API or events instead of its tables.`,
            key: `query:${ref.verb}:${tableKey(ref.table)}:${line.text.trim().slice(0, 80)}`,
          });
        }
      }
    }
  },
});
