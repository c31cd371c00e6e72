/**
 * Does a change only scale or tune workloads that already exist? Replicas, container resources, autoscaler and
 * disruption-budget bounds, or the tag of the same image: the change a seed's "lightweight ADR review" covers
 * (one-service deployment change), not a production readiness review. Pure: parsed base and head in, the tuned
 * settings out (or undefined when anything else changed).
 */
import { isRecord, type StructuredFile } from "../../engine/structured.js";
import { imageName } from "../common/noise.js";
import { kubernetesObjects, POD_SPEC_PATH, type KubernetesObject } from "./objects.js";

/** What a tuning-only change tunes, in words for the trigger's reason ("replicas", "resources"...). */
export type Tunable = "replicas" | "resources" | "autoscaling bounds" | "disruption budget" | "image tag";

/** Autoscaler kinds whose bounds and targets are tuning (HPA, KEDA, VPA). */
const AUTOSCALER_KINDS = new Set(["HorizontalPodAutoscaler", "ScaledObject", "VerticalPodAutoscaler"]);

/**
 * The settings a change to a Kubernetes manifest tunes, when that is all it changes: the same objects (kind,
 * name, namespace) at base and head, equal once replicas, container resources, autoscaler bounds and targets,
 * PodDisruptionBudget numbers and image tags (same image name) are set aside. Undefined otherwise, or when
 * either side has parse errors or no objects.
 */
export function manifestTuning(base: StructuredFile, head: StructuredFile): Tunable[] | undefined {
  if (base.errors.length > 0 || head.errors.length > 0) return undefined;
  const before = kubernetesObjects(base);
  const after = kubernetesObjects(head);
  if (before.length === 0 || before.length !== after.length) return undefined;
  const byKey = new Map(before.map((o) => [objectKey(o), o]));
  if (byKey.size !== before.length) return undefined;
  const tuned = new Set<Tunable>();
  for (const object of after) {
    const old = byKey.get(objectKey(object));
    if (!old) return undefined;
    const a = stripTunables(old, tuned, undefined);
    const b = stripTunables(object, tuned, old);
    if (!equal(a, b)) return undefined;
  }
  return tuned.size > 0 ? [...tuned] : undefined;
}

/**
 * The same for a Helm values file (parsed documents): equal once `replicaCount`/`replicas`, `resources` blocks,
 * autoscaling bounds and targets, and `image.tag` are set aside, wherever they sit in the values tree.
 */
export function valuesTuning(base: StructuredFile, head: StructuredFile): Tunable[] | undefined {
  if (base.errors.length > 0 || head.errors.length > 0 || base.docs.length !== head.docs.length) return undefined;
  const tuned = new Set<Tunable>();
  for (let i = 0; i < base.docs.length; i++) {
    const a = maskValues(base.docs[i]!.value, undefined, new Set());
    const b = maskValues(head.docs[i]!.value, base.docs[i]!.value, tuned);
    if (!equal(a, b)) return undefined;
  }
  return tuned.size > 0 ? [...tuned] : undefined;
}

function objectKey(o: KubernetesObject): string {
  return `${o.kind}\0${o.namespace ?? ""}\0${o.name}`;
}

const MASK = "__archgate_tuned__";

/** A deep copy of the object with its tunable settings replaced by a mask; records what differs from `old`. */
function stripTunables(object: KubernetesObject, tuned: Set<Tunable>, old: KubernetesObject | undefined): unknown {
  const copy = structuredClone(object.value);
  const previous = old ? (structuredClone(old.value) as Record<string, unknown>) : undefined;
  const note = (what: Tunable, a: unknown, b: unknown) => {
    if (previous && !equal(a, b)) tuned.add(what);
  };
  if (object.kind === "Kustomization") {
    // Kustomize's own replica counts and image tags (`replicas: [{name, count}]`, `images: [{name, newTag}]`).
    if ("replicas" in copy) {
      note("replicas", copy.replicas, previous?.replicas);
      copy.replicas = MASK;
    }
    const images = Array.isArray(copy.images) ? copy.images : [];
    const oldImages = Array.isArray(previous?.images) ? (previous.images as unknown[]) : [];
    images.forEach((image, i) => {
      if (!isRecord(image) || !("newTag" in image)) return;
      const was = oldImages[i];
      note("image tag", image.newTag, isRecord(was) ? was.newTag : undefined);
      image.newTag = MASK;
    });
    return copy;
  }
  const spec = copy.spec;
  const oldSpec = previous?.spec;
  if (!isRecord(spec)) return copy;
  if (POD_SPEC_PATH[object.kind]) {
    if ("replicas" in spec) {
      note("replicas", spec.replicas, isRecord(oldSpec) ? oldSpec.replicas : undefined);
      spec.replicas = MASK;
    }
    const pod = dig(copy, POD_SPEC_PATH[object.kind]!);
    const oldPod = previous ? dig(previous, POD_SPEC_PATH[object.kind]!) : undefined;
    for (const list of ["containers", "initContainers"]) {
      const containers = isRecord(pod) && Array.isArray(pod[list]) ? (pod[list] as unknown[]) : [];
      const oldContainers = isRecord(oldPod) && Array.isArray(oldPod[list]) ? (oldPod[list] as unknown[]) : [];
      containers.forEach((container, i) => {
        if (!isRecord(container)) return;
        const oldContainer = oldContainers[i];
        const was = isRecord(oldContainer) ? oldContainer : undefined;
        if ("resources" in container) {
          note("resources", container.resources, was?.resources);
          container.resources = MASK;
        }
        if (typeof container.image === "string") {
          const name = imageName(container.image);
          if (name !== undefined) {
            note("image tag", container.image, was?.image);
            container.image = `${MASK}:${name}`;
          }
        }
      });
    }
  } else if (AUTOSCALER_KINDS.has(object.kind)) {
    for (const key of [
      "minReplicas",
      "maxReplicas",
      "minReplicaCount",
      "maxReplicaCount",
      "metrics",
      "targetCPUUtilizationPercentage",
      "resourcePolicy",
      "triggers",
      "behavior",
    ]) {
      if (!(key in spec)) continue;
      note("autoscaling bounds", spec[key], isRecord(oldSpec) ? oldSpec[key] : undefined);
      spec[key] = MASK;
    }
  } else if (object.kind === "PodDisruptionBudget") {
    for (const key of ["minAvailable", "maxUnavailable"]) {
      if (!(key in spec)) continue;
      note("disruption budget", spec[key], isRecord(oldSpec) ? oldSpec[key] : undefined);
      spec[key] = MASK;
    }
  }
  return copy;
}

const VALUES_TUNABLES: Record<string, Tunable> = {
  replicaCount: "replicas",
  replicas: "replicas",
  resources: "resources",
  minReplicas: "autoscaling bounds",
  maxReplicas: "autoscaling bounds",
  targetCPUUtilizationPercentage: "autoscaling bounds",
  targetMemoryUtilizationPercentage: "autoscaling bounds",
  minAvailable: "disruption budget",
  maxUnavailable: "disruption budget",
};

/** Values with tunable keys masked; `image.tag` too. Records in `tuned` what differs from `old`. */
function maskValues(value: unknown, old: unknown, tuned: Set<Tunable>, parentKey = ""): unknown {
  if (Array.isArray(value)) return value.map((v, i) => maskValues(v, Array.isArray(old) ? old[i] : undefined, tuned, parentKey));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const was = isRecord(old) ? old[key] : undefined;
    const tunable = VALUES_TUNABLES[key] ?? (key === "tag" && parentKey === "image" ? "image tag" : undefined);
    if (tunable) {
      if (old !== undefined && !equal(v, was)) tuned.add(tunable);
      out[key] = MASK;
    } else out[key] = maskValues(v, was, tuned, key);
  }
  return out;
}

function dig(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}
