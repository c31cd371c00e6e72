/** SARIF for a report as the CLI and the Action write it: every built-in rule (or the ones given) in the driver, help links to docs/rules/. */
import { RULES } from "./builtins.js";
import type { EngineModules, Report } from "./engine/types.js";
import { archgateVersion, PROJECT_URL, ruleDocUrl } from "./project.js";
import { renderSarif } from "./render/sarif.js";

const BUILTIN = new Set(RULES.map((r) => r.meta.id));

export function sarifLog(report: Report, engine?: Partial<EngineModules>): Record<string, unknown> {
  return renderSarif(report, {
    rules: (engine?.rules ?? RULES).map((r) => r.meta),
    version: archgateVersion(),
    informationUri: PROJECT_URL,
    helpUri: (id) => (BUILTIN.has(id) ? ruleDocUrl(id) : undefined),
  });
}
