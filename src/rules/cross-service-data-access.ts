import type { ReviewContext } from "../engine/context.js";
import { matchesAny } from "../engine/context.js";
import type { FindingDraft, RuleModule } from "../engine/types.js";
import { changedMigrations } from "../formats/migrations/changed.js";
import { tableKey } from "../formats/migrations/types.js";
import { sqlTableReferences } from "../formats/migrations/sql-strings.js";

/** Source files whose string literals may hold SQL. */
const CODE_FILE = /\.(ts|tsx|js|jsx|mjs|cjs|py|rb|go|java|kt|scala|cs|php|ex|exs|rs|sql)$/i;

export const crossServiceDataAccess: RuleModule = {
  id: "cross-service-data-access",
  title: "Cross-service data access",
  category: "data",
  defaultSeverity: "error",
  description:
    "A migration or an added SQL query under one service's paths touches a table that another service owns (ownership from `services` in the config).",
  async evaluate(ctx) {
    const services = Object.entries(ctx.config.services);
    const owners = new Map<string, string>();
    for (const [name, service] of services) for (const table of service.tables) if (!owners.has(tableKey(table))) owners.set(tableKey(table), name);
    if (owners.size === 0) return [];
    const serviceOf = (path: string) => services.find(([, s]) => matchesAny(path, s.paths))?.[0];
    const findings: FindingDraft[] = [];
    const migrationPaths = new Set<string>();

    for (const m of await changedMigrations(ctx)) {
      migrationPaths.add(m.file.path);
      const service = serviceOf(m.file.path);
      if (!service) continue;
      for (const op of m.analysis.ops) {
        if (op.kind === "create-table" || (m.addedLines && !m.addedLines.has(op.line))) continue;
        const owner = owners.get(tableKey(op.table));
        if (!owner || owner === service) continue;
        findings.push({
          file: m.file.path,
          line: op.line,
          message: `migration of service \`${service}\` changes table \`${op.table}\` (${op.kind.replace(/-/g, " ")}), which service \`${owner}\` owns`,
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
          findings.push({
            file: file.path,
            line: line.line,
            message: `query in service \`${service}\` ${ref.verb === "read" ? "reads" : "writes"} table \`${ref.table}\`, which service \`${owner}\` owns`,
            remediation: `Get the data from \`${owner}\` through its API or events instead of its tables.`,
            key: `query:${ref.verb}:${tableKey(ref.table)}:${line.text.trim().slice(0, 80)}`,
          });
        }
      }
    }
    return findings;
  },
};

export type { ReviewContext };
