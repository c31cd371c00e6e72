import type { RuleModule } from "../engine/types.js";
import { breakingApiChange } from "./breaking-api-change.js";
import { breakingEventChange } from "./breaking-event-change.js";
import { commandIdempotency } from "./command-idempotency.js";
import { costAllocationTags } from "./cost-allocation-tags.js";
import { crossServiceDataAccess } from "./cross-service-data-access.js";
import { destructiveMigration } from "./destructive-migration.js";
import { forbiddenDependency } from "./forbidden-dependency.js";
import { k8sHealthProbes } from "./k8s-health-probes.js";
import { k8sResourceLimits } from "./k8s-resource-limits.js";
import { metricLabelCardinality } from "./metric-label-cardinality.js";
import { outboundCallTimeout } from "./outbound-call-timeout.js";
import { piiInLogs } from "./pii-in-logs.js";
import { plaintextSecret } from "./plaintext-secret.js";
import { serviceOwnership } from "./service-ownership.js";
import { unauthenticatedEndpoint } from "./unauthenticated-endpoint.js";
import { unversionedApi } from "./unversioned-api.js";

/**
 * Every hard-constraint rule, sorted by id (a meta-test checks the order, the docs page and fixtures).
 * Add a rule: write src/rules/<id>.ts, docs/rules/<id>.md, test/rules/<id>.test.ts, then list it here.
 */
export const RULES: readonly RuleModule<any>[] = [
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

export function ruleById(id: string): RuleModule<any> | undefined {
  return RULES.find((r) => r.id === id);
}
