import type { ChecklistItem } from "../engine/types.js";
import type { DimensionId } from "../engine/vocabulary.js";

/**
 * The built-in checklist: yes/no questions a reviewer can answer from the PR and its design notes.
 * Items with `reviewTypes` only appear when one of those review types is required, so a contract
 * change is not asked about service charters.
 */
export const DEFAULT_CHECKLIST: Record<DimensionId, ChecklistItem[]> = {
  boundary: [
    { id: "boundary-owner", text: "One named team owns this service end to end, including on-call.", reviewTypes: ["service-design"] },
    {
      id: "boundary-capability",
      text: "The service maps to one business capability, and the PR or its design doc says which.",
      reviewTypes: ["service-design"],
    },
    { id: "boundary-data-authority", text: "It is written down which data only this service may change.", reviewTypes: ["service-design", "data"] },
    {
      id: "boundary-independent-deploy",
      text: "The service can be deployed without a lockstep release of another service.",
      reviewTypes: ["service-design"],
    },
    {
      id: "boundary-why-not-module",
      text: "The design says why this is a separate service rather than a module of an existing one.",
      reviewTypes: ["service-design"],
    },
    {
      id: "boundary-consumers-migrated",
      text: "Every caller and consumer of the retired service has been moved or told, with a date.",
      reviewTypes: ["decommission"],
    },
    { id: "boundary-decision-recorded", text: "The decision and the alternatives considered are recorded in an ADR linked from the PR." },
  ],
  "api-event": [
    {
      id: "api-compatibility",
      text: "Every contract change is backward compatible, or the breaking part has a versioned path and a migration plan.",
      reviewTypes: ["contract", "service-design", "decommission"],
    },
    {
      id: "api-idempotency",
      text: "Commands that create or change state are idempotent or take an idempotency key, so a retry after a timeout cannot act twice.",
      reviewTypes: ["contract", "service-design"],
    },
    {
      id: "api-errors",
      text: "Errors are stable and machine-readable (documented codes, not free text).",
      reviewTypes: ["contract", "service-design"],
    },
    { id: "api-pagination", text: "List endpoints and queries are paginated and bounded.", reviewTypes: ["contract", "service-design"] },
    {
      id: "api-deprecation",
      text: "Deprecated operations, fields or topics carry a sunset date that consumers were told about.",
      reviewTypes: ["contract", "decommission"],
    },
    { id: "event-ownership", text: "Each event schema has an owner and a versioning strategy.", reviewTypes: ["contract", "service-design"] },
    {
      id: "event-dedup",
      text: "Consumers can deduplicate events (a stable event id) and the ordering they rely on is stated.",
      reviewTypes: ["contract", "service-design"],
    },
    {
      id: "event-dlq",
      text: "Poison messages go to a dead-letter queue with bounded retries and a runbook.",
      reviewTypes: ["contract", "service-design"],
    },
  ],
  "data-consistency": [
    {
      id: "data-expand-contract",
      text: "The migration is expand/contract safe: old and new code both work while it rolls out.",
      reviewTypes: ["data", "decommission"],
    },
    { id: "data-rollback", text: "There is a tested way back (down migration or roll-forward plan) once data has changed.", reviewTypes: ["data"] },
    { id: "data-locking", text: "Long locks are avoided on large tables (concurrent index builds, batched backfills).", reviewTypes: ["data"] },
    { id: "data-single-writer", text: "Only the owning service writes the tables this change touches.", reviewTypes: ["data", "service-design"] },
    {
      id: "data-consistency-promise",
      text: "The design states which operations are immediately consistent and which are eventually consistent, with compensation on failure.",
      reviewTypes: ["service-design", "contract"],
    },
    {
      id: "data-retention",
      text: "Retention and deletion of the stored data are defined (including personal data).",
      reviewTypes: ["data", "service-design", "decommission"],
    },
    {
      id: "data-archived",
      text: "Data of the retired service is archived, migrated or deleted as its retention policy says.",
      reviewTypes: ["decommission"],
    },
  ],
  reliability: [
    { id: "reliability-timeouts", text: "Every outbound call has a timeout, and deadlines propagate to downstream calls." },
    { id: "reliability-retries", text: "Retries happen at one layer only, with backoff, jitter and a budget, and only for safe operations." },
    {
      id: "reliability-dependencies",
      text: "Critical and optional dependencies are listed, and the degraded mode for each optional one is defined.",
      reviewTypes: ["service-design", "production-readiness"],
    },
    {
      id: "reliability-shutdown",
      text: "The service shuts down gracefully: in-flight requests and messages finish or are handed back.",
      reviewTypes: ["service-design", "production-readiness"],
    },
    {
      id: "reliability-overload",
      text: "Overload is handled (load shedding, bulkheads or rate limits) instead of cascading.",
      reviewTypes: ["service-design", "production-readiness"],
    },
  ],
  observability: [
    {
      id: "observability-slo",
      text: "SLIs and an SLO exist, and alerts fire on the SLO, not only on CPU or memory.",
      reviewTypes: ["service-design", "production-readiness"],
    },
    { id: "observability-correlation", text: "Logs, traces and events carry a correlation id end to end, including across async messaging." },
    { id: "observability-cardinality", text: "Metric labels are bounded (no user ids, request ids or raw paths)." },
    { id: "observability-runbook", text: "Each page-worthy alert links to a runbook.", reviewTypes: ["service-design", "production-readiness"] },
    {
      id: "observability-removed",
      text: "Dashboards, alerts and on-call rotas of the retired service are removed or handed over.",
      reviewTypes: ["decommission"],
    },
  ],
  "security-privacy": [
    {
      id: "security-authn",
      text: "Every new endpoint or consumer authenticates its caller; service-to-service calls use a workload identity.",
      reviewTypes: ["service-design", "contract"],
    },
    {
      id: "security-authz",
      text: "Authorization is checked at object and tenant level, not only at the gateway.",
      reviewTypes: ["service-design", "contract"],
    },
    { id: "security-secrets", text: "No secret is committed; secrets come from a secret store and can be rotated." },
    { id: "security-pii", text: "Sensitive fields are minimised and redacted in logs, traces, events and dead-letter queues." },
    {
      id: "security-least-privilege",
      text: "The workload's database, cloud and network permissions are the least it needs.",
      reviewTypes: ["service-design", "production-readiness", "data"],
    },
    {
      id: "security-credentials-revoked",
      text: "Credentials, service accounts and DNS records of the retired service are revoked.",
      reviewTypes: ["decommission"],
    },
  ],
  "delivery-runtime": [
    {
      id: "runtime-resources",
      text: "Containers set CPU and memory requests and limits, and replica bounds are set.",
      reviewTypes: ["service-design", "production-readiness"],
    },
    {
      id: "runtime-probes",
      text: "Readiness and liveness probes check meaningful state and do not depend on optional dependencies.",
      reviewTypes: ["service-design", "production-readiness"],
    },
    {
      id: "runtime-rollout",
      text: "The rollout strategy (canary, blue/green, rolling) has a success metric and a rollback path.",
      reviewTypes: ["service-design", "production-readiness", "data"],
    },
    { id: "runtime-coexistence", text: "Old and new versions can run side by side while half the fleet is updated." },
    {
      id: "runtime-tuning-recorded",
      text: "The PR says why the new numbers are right (the metrics or load test behind them) and what they cost downstream.",
      reviewTypes: ["adr"],
    },
    {
      id: "runtime-traffic-drained",
      text: "Traffic to the retired service is zero (metrics checked) before its resources are deleted.",
      reviewTypes: ["decommission"],
    },
  ],
  "cost-governance": [
    {
      id: "cost-tags",
      text: "New workloads and cloud resources carry the cost-allocation labels or tags.",
      reviewTypes: ["service-design", "production-readiness"],
    },
    {
      id: "cost-baseline",
      text: "The baseline and per-operation cost are estimated, including logs and metrics retention.",
      reviewTypes: ["service-design"],
    },
    {
      id: "cost-autoscaling",
      text: "Autoscaling has an upper bound that downstream dependencies (databases, quotas) can carry.",
      reviewTypes: ["service-design", "production-readiness"],
    },
    {
      id: "cost-catalog",
      text: "The service catalog entry (owner, tier, runbook) is created, updated or retired with this change.",
      reviewTypes: ["service-design", "decommission"],
    },
  ],
};
