/**
 * `profile: strict`: the seed's seven hard constraints (section 25) as errors, for leads who want the gate the
 * practice describes without tuning each rule. The one place that says which rules carry each constraint and
 * what configuration each needs; zero config (`profile: default`) keeps every rule's own default severity.
 */
import type { EngineConfig } from "../engine/config.js";

export const PROFILES = ["default", "strict"] as const;
export type Profile = (typeof PROFILES)[number];

export interface StrictConstraint {
  /** The constraint in the seed's words. */
  constraint: string;
  /** The rules that enforce it; under `profile: strict` their default severity is `error`. */
  rules: string[];
  /** The configuration it cannot work without, if any: the key, what to write there, and whether it is set. */
  needs?: { key: string; what: string; isSet: (config: EngineConfig) => boolean };
}

export const STRICT_CONSTRAINTS: readonly StrictConstraint[] = [
  {
    constraint: "no shared writes to another service database",
    rules: ["cross-service-data-access"],
    needs: {
      key: "services",
      what: "each service's paths and the tables it owns (a repository with one service declares that one)",
      isSet: (config) => Object.values(config.services).some((s) => s.tables.length > 0),
    },
  },
  { constraint: "no PII in logs/traces", rules: ["pii-in-logs"] },
  { constraint: "no outbound call without timeout", rules: ["outbound-call-timeout"] },
  { constraint: "no command endpoint without idempotency strategy when retries are possible", rules: ["command-idempotency"] },
  { constraint: "no production launch without owner/on-call/runbook", rules: ["service-ownership"] },
  { constraint: "no breaking API change without compatibility/migration plan", rules: ["breaking-api-change", "breaking-event-change"] },
  {
    constraint: "no service without cost allocation tags",
    rules: ["cost-allocation-tags"],
    needs: {
      key: "rules.cost-allocation-tags.labels",
      what: "the label keys every new workload carries for cost allocation, e.g. [team, cost-center]",
      isSet: (config) => {
        const labels = config.rules["cost-allocation-tags"]?.options.labels;
        return Array.isArray(labels) && labels.length > 0;
      },
    },
  },
];

/** Rule ids the strict profile makes errors. */
export const STRICT_RULES: readonly string[] = STRICT_CONSTRAINTS.flatMap((c) => c.rules);

/**
 * The config under its profile: with `strict`, every rule of the seven constraints whose severity the config
 * does not set is an error. `explicitSeverity(id)` says whether the file set that rule's severity itself.
 */
export function applyProfile<C extends EngineConfig>(config: C, profile: Profile, explicitSeverity: (rule: string) => boolean): C {
  if (profile !== "strict") return config;
  const rules = { ...config.rules };
  for (const id of STRICT_RULES) {
    const setting = rules[id];
    if (!setting || explicitSeverity(id)) continue;
    rules[id] = { ...setting, severity: "error" };
  }
  return { ...config, rules };
}

/** What the strict profile needs and the config lacks: one message per missing key. */
export function missingForProfile(config: EngineConfig, profile: Profile): { key: string; message: string }[] {
  if (profile !== "strict") return [];
  const missing: { key: string; message: string }[] = [];
  for (const c of STRICT_CONSTRAINTS) {
    if (!c.needs || c.needs.isSet(config)) continue;
    if (c.rules.every((id) => config.rules[id]?.severity === "off")) continue;
    missing.push({ key: c.needs.key, message: `the strict profile needs ${c.needs.key}: ${c.needs.what} ("${c.constraint}")` });
  }
  return missing;
}
