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
  },
  async detect(ctx) {
    return (await deployableHits(ctx)).added;
  },
};
