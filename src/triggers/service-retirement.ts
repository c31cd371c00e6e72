import type { TriggerModule } from "../engine/types.js";
import { deployableHits } from "../formats/services/deployables.js";

/**
 * Service retirement: a deployable unit goes away — the Dockerfile and manifests of a service directory
 * are deleted, a Deployment/StatefulSet disappears from the manifests (not moved, renamed or still
 * defined for another environment), a compose service or a Helm chart is removed, or a catalog
 * Component is removed or set to lifecycle deprecated/retired.
 *
 * Review type `decommission`. Dimensions:
 * - `boundary`: every caller and consumer has moved, and who takes over the capability;
 * - `api-event`: the contracts it offered are deprecated with a date consumers were told;
 * - `data-consistency`: its data is archived, migrated or deleted as retention requires;
 * - `observability`: dashboards, alerts and on-call are removed or handed over;
 * - `security-privacy`: credentials, service accounts and DNS are revoked;
 * - `delivery-runtime`: traffic is zero before the resources go;
 * - `cost-governance`: the catalog entry is retired and the spend stops.
 * Reliability questions (timeouts, retries) are about running services, not retiring them.
 */
export const serviceRetirement: TriggerModule = {
  meta: {
    id: "service-retirement",
    title: "Service retirement",
    description: "Removes a deployable unit (service directory, workload, compose service, Helm chart) or retires it in the catalog.",
    reviewType: "decommission",
    dimensions: ["boundary", "api-event", "data-consistency", "observability", "security-privacy", "delivery-runtime", "cost-governance"],
    // The decommission items only: a retirement is not a launch, so no production readiness questions.
    checklist: [
      "boundary-consumers-migrated",
      "api-deprecation",
      "data-archived",
      "observability-removed",
      "security-credentials-revoked",
      "runtime-traffic-drained",
      "cost-catalog",
    ],
  },
  async detect(ctx) {
    return (await deployableHits(ctx)).retired;
  },
};
