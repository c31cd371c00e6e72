/**
 * The composition root: the built-in triggers and rules, the config schema extended with each rule's
 * options, and the engine wired with them. The engine knows no rule; this file is where a new trigger or
 * rule is listed (sorted by id: a meta-test checks the order, the docs page and the fixtures).
 */
import { configLoader } from "./config/load.js";
import { buildConfigSchema, type ArchgateConfig } from "./config/schema.js";
import type { Change } from "./engine/change.js";
import { openReview, review } from "./engine/engine.js";
import type { EngineModules, Report, RuleModule, TriggerModule } from "./engine/types.js";
import { judgedAs } from "./formats/common/judged-files.js";
import { likelyReads } from "./formats/common/likely-reads.js";
import { breakingApiChange } from "./rules/breaking-api-change.js";
import { breakingEventChange } from "./rules/breaking-event-change.js";
import { commandIdempotency } from "./rules/command-idempotency.js";
import { costAllocationTags } from "./rules/cost-allocation-tags.js";
import { crossServiceDataAccess } from "./rules/cross-service-data-access.js";
import { destructiveMigration } from "./rules/destructive-migration.js";
import { forbiddenDependency } from "./rules/forbidden-dependency.js";
import { k8sHealthProbes } from "./rules/k8s-health-probes.js";
import { k8sResourceLimits } from "./rules/k8s-resource-limits.js";
import { metricLabelCardinality } from "./rules/metric-label-cardinality.js";
import { outboundCallTimeout } from "./rules/outbound-call-timeout.js";
import { piiInLogs } from "./rules/pii-in-logs.js";
import { plaintextSecret } from "./rules/plaintext-secret.js";
import { serviceOwnership } from "./rules/service-ownership.js";
import { unauthenticatedEndpoint } from "./rules/unauthenticated-endpoint.js";
import { unversionedApi } from "./rules/unversioned-api.js";
import { apiContract } from "./triggers/api-contract.js";
import { customTriggers } from "./triggers/custom.js";
import { eventContract } from "./triggers/event-contract.js";
import { infraChange } from "./triggers/infra-change.js";
import { newService } from "./triggers/new-service.js";
import { schemaMigration } from "./triggers/schema-migration.js";
import { serviceRetirement } from "./triggers/service-retirement.js";

/** Built-in trigger detectors, sorted by id. Add one: src/triggers/<id>.ts, fixtures, docs/triggers.md, then list it here. */
export const TRIGGERS: readonly TriggerModule[] = [apiContract, eventContract, infraChange, newService, schemaMigration, serviceRetirement];

/**
 * Hard-constraint rules, sorted by id. Add one: src/rules/<id>.ts, docs/rules/<id>.md,
 * test/rules/<id>.test.ts and fixtures/rules/<id>/, then list it here.
 */
export const RULES: readonly RuleModule[] = [
  breakingApiChange,
  breakingEventChange,
  commandIdempotency,
  costAllocationTags,
  crossServiceDataAccess,
  destructiveMigration,
  forbiddenDependency,
  k8sHealthProbes,
  k8sResourceLimits,
  metricLabelCardinality,
  outboundCallTimeout,
  piiInLogs,
  plaintextSecret,
  serviceOwnership,
  unauthenticatedEndpoint,
  unversionedApi,
];

export const BUILTIN_TRIGGER_IDS: readonly string[] = TRIGGERS.map((t) => t.meta.id);

/** What the engine runs in production. */
export const ENGINE_MODULES: EngineModules = { triggers: TRIGGERS, rules: RULES, customTriggers, likelyReads, judgedAs };

/** The `.github/archgate.yml` schema with the built-in rules' options. */
export const configSchema = buildConfigSchema(RULES);

export const { parseConfig, validateConfig, defaultConfig } = configLoader(configSchema);

/** Reviews a change with the built-in triggers and rules; `overrides` replaces some of them (tests, benchmarks). */
export function reviewChange(change: Change, config: ArchgateConfig, overrides: Partial<EngineModules> = {}): Promise<Report> {
  return review(change, config, { ...ENGINE_MODULES, ...overrides });
}

/** One change, evaluated under each config it is given, with its files read and parsed once (the gate and a config preview). */
export function openChangeReview(change: Change, overrides: Partial<EngineModules> = {}): (config: ArchgateConfig) => Promise<Report> {
  return openReview(change, { ...ENGINE_MODULES, ...overrides });
}

export function ruleById(id: string): RuleModule | undefined {
  return RULES.find((r) => r.meta.id === id);
}

export function triggerById(id: string): TriggerModule | undefined {
  return TRIGGERS.find((t) => t.meta.id === id);
}
