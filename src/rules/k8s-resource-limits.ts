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

const REQUIREMENTS = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;
type Requirement = (typeof REQUIREMENTS)[number];

const options = z
  .object({
    /**
     * Which settings every judged container needs. The default leaves out `limits.cpu`: a CPU limit
     * throttles a container even when the node is idle, and many teams omit it on purpose
     * (kube-linter and kube-score both make it optional).
     */
    require: z
      .array(z.enum(REQUIREMENTS))
      .min(1)
      .default(["requests.cpu", "requests.memory", "limits.memory"])
      .describe("Settings every judged container needs; add `limits.cpu` to require CPU limits too."),
    /** Judge init containers too (Kubernetes sizes the pod by them as well). */
    initContainers: z.boolean().default(true).describe("Judge init containers too (they size the pod as well)."),
  })
  .strict();

const LABEL: Record<Requirement, string> = {
  "requests.cpu": "CPU request",
  "requests.memory": "memory request",
  "limits.cpu": "CPU limit",
  "limits.memory": "memory limit",
};

export const k8sResourceLimits = defineRule({
  meta: {
    id: "k8s-resource-limits",
    title: "Kubernetes container without resource requests and limits",
    category: "reliability",
    defaultSeverity: "error",
    description:
      "A container the PR adds or changes in a Deployment, StatefulSet, DaemonSet, Job or CronJob (plain manifests, Kustomize, Helm) has no CPU/memory requests or memory limit.",
    options,
    messages: {
      missingResources: "{{container}} in {{workload}} has no {{missing}}",
      missingResourcesExisting: "{{container}} in {{workload}} has no {{missing}} (an existing container this PR changes)",
    },
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const judged = await changedContainers(
      ctx,
      (variant) => resolveDeep(walk(variant.spec, ["resources"], variant.values), variant.values),
      (_workload, container) => !container.init || opts.initContainers,
    );
    for (const { workload, container, existing } of judged) {
      const missing: Requirement[] = [];
      const hidden: string[] = [];
      for (const requirement of opts.require) {
        let result = verdict(container, ["resources", ...requirement.split(".")]);
        // Kubernetes defaults a missing request to the limit, so a limit alone sets the request too.
        if (result.verdict !== "set" && requirement.startsWith("requests.")) {
          const limit = verdict(container, ["resources", "limits", requirement.slice("requests.".length)]);
          if (limit.verdict !== "missing") result = limit;
        }
        if (result.verdict === "missing") missing.push(requirement);
        else if (result.verdict === "opaque") hidden.push(result.opaque!);
      }
      if (hidden.length > 0 && missing.length === 0) {
        ctx.note(
          `${workload.file}:${container.line}: resources of ${describeContainer(container)} come from a template helper (${hidden[0]}); not judged`,
          "not-judged",
        );
      }
      if (missing.length === 0) continue;
      ctx.report({
        messageId: existing ? "missingResourcesExisting" : "missingResources",
        data: { container: describeContainer(container), workload: describeWorkload(workload), missing: missing.map((m) => LABEL[m]).join(", ") },
        file: workload.file,
        line: container.line,
        remediation: `Set ${missing.map((m) => `resources.${m}`).join(", ")} on the container${workload.helm ? " (in the template or in values.yaml)" : " (or in a Kustomize patch of every overlay)"}: requests let the scheduler place the pod, a memory limit stops one pod from starving its node.`,
        key: containerKey(workload, container),
        // A gap the PR inherited is reported, but only containers it adds can fail the gate.
        advisory: existing || undefined,
      });
    }
  },
});
