import type { TriggerModule } from "../engine/types.js";
import { deployableHits } from "../formats/services/deployables.js";

/**
 * New service: a new deployable unit — a new directory with its own Dockerfile or package manifest and
 * an entrypoint (a Dockerfile CMD, a start script, main.go, manage.py, *Application.java…); a new
 * Deployment/StatefulSet/Rollout/Knative Service name in the manifests (a patch, another environment of
 * an existing workload or a rename is not new); a new compose service built from a new directory; a new
 * Helm chart; a new deployable `kind: Component` in the Backstage catalog. A library package (no
 * entrypoint) and a new file in an existing service are not new services.
 *
 * Review type `service-design`, with every dimension: a new service answers for its boundary and
 * ownership, its API and events, the data it owns, reliability, observability, security, how it runs
 * and what it costs (the full service design review).
 */
export const newService: TriggerModule = {
  meta: {
    id: "new-service",
    title: "New service",
    description: "Adds a new deployable unit (service directory, workload, compose service, Helm chart or catalog component).",
    reviewType: "service-design",
    dimensions: [
      "boundary",
      "api-event",
      "data-consistency",
      "reliability",
      "observability",
      "security-privacy",
      "delivery-runtime",
      "cost-governance",
    ],
    // The full service design review (seed 4.2): charter and boundary, data ownership, reliability design,
    // observability plan, security assessment, how it runs and what it costs. Contract, event and migration
    // items come with the triggers that see those files.
    checklist: [
      "boundary-owner",
      "boundary-capability",
      "boundary-data-authority",
      "boundary-independent-deploy",
      "boundary-why-not-module",
      "boundary-decision-recorded",
      "api-idempotency",
      "api-errors",
      "data-single-writer",
      "data-consistency-promise",
      "data-retention",
      "reliability-timeouts",
      "reliability-retries",
      "reliability-dependencies",
      "reliability-shutdown",
      "reliability-overload",
      "observability-slo",
      "observability-correlation",
      "observability-cardinality",
      "observability-runbook",
      "security-authn",
      "security-authz",
      "security-secrets",
      "security-pii",
      "security-least-privilege",
      "runtime-resources",
      "runtime-probes",
      "runtime-rollout",
      "cost-tags",
      "cost-baseline",
      "cost-autoscaling",
      "cost-catalog",
    ],
  },
  async detect(ctx) {
    return (await deployableHits(ctx)).added;
  },
};
