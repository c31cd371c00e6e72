import { z } from "zod";
import { defineRule } from "../engine/types.js";
import {
  changedContainers,
  containerKey,
  describeContainer,
  describeWorkload,
  resolveDeep,
  verdict,
} from "../formats/kubernetes/changed-workloads.js";
import { walk } from "../formats/kubernetes/values.js";

const PROBES = ["readinessProbe", "livenessProbe", "startupProbe"] as const;
type Probe = (typeof PROBES)[number];

const options = z
  .object({
    /** Probes every long-running container needs. */
    require: z.array(z.enum(PROBES)).min(1).default(["readinessProbe", "livenessProbe"]).describe("Probes every long-running container needs."),
    /**
     * Judge native sidecars (init containers with `restartPolicy: Always`) too. Off by default: they
     * may have probes since Kubernetes 1.28, but most are mesh or log agents whose health the vendor owns.
     */
    sidecars: z.boolean().default(false).describe("Judge native sidecars (init containers with `restartPolicy: Always`) too."),
  })
  .strict();

export const k8sHealthProbes = defineRule({
  meta: {
    id: "k8s-health-probes",
    title: "Kubernetes container without health probes",
    category: "reliability",
    defaultSeverity: "warning",
    description:
      "A long-running container the PR adds or changes (Deployment, StatefulSet, DaemonSet; not Jobs or CronJobs) has no readiness or liveness probe.",
    options,
    messages: {
      missingProbes: "{{container}} in {{workload}} has no {{probes}}",
      missingProbesExisting: "{{container}} in {{workload}} has no {{probes}} (an existing container this PR changes)",
    },
    remediation:
      "Add a readinessProbe (traffic only reaches pods that are ready) and a livenessProbe (a hung process is restarted); a startupProbe protects slow starts from the liveness probe.",
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const judged = await changedContainers(
      ctx,
      (variant) => PROBES.map((p) => resolveDeep(walk(variant.spec, [p], variant.values), variant.values)),
      (workload, container) => workload.longRunning && (!container.init || (container.sidecar && opts.sidecars)),
    );
    for (const { workload, container, existing } of judged) {
      const missing: Probe[] = [];
      for (const probe of opts.require) {
        const result = verdict(container, [probe]);
        if (result.verdict === "missing") missing.push(probe);
        else if (result.verdict === "opaque") {
          ctx.note(
            `${workload.file}:${container.line}: ${probe} of ${describeContainer(container)} comes from a template helper (${result.opaque}); not judged`,
            "not-judged",
          );
        }
      }
      if (missing.length === 0) continue;
      ctx.report({
        messageId: existing ? "missingProbesExisting" : "missingProbes",
        data: { container: describeContainer(container), workload: describeWorkload(workload), probes: missing.join(" or ") },
        file: workload.file,
        line: container.line,
        key: containerKey(workload, container),
        // A gap the PR inherited is reported, but only containers it adds can fail the gate.
        advisory: existing || undefined,
      });
    }
  },
});
