/** Kubernetes objects in parsed YAML/JSON manifests (multi-document files and `kind: List` included). */
import { asArray, isRecord, type StructuredFile } from "../../engine/structured.js";

export interface KubernetesObject {
  kind: string;
  apiVersion: string;
  /** metadata.name ("" when absent or templated away). */
  name: string;
  namespace?: string;
  /** Index of the YAML document in the file. */
  docIndex: number;
  /** 1-based line of the object's `kind:` key. */
  line: number;
  value: Record<string, unknown>;
}

/** Where each workload kind keeps its pod spec: the one definition of which kinds run containers and where. */
export const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  Deployment: ["spec", "template", "spec"],
  // OpenShift's DeploymentConfig and Argo Rollouts' Rollout carry a Deployment's pod template.
  DeploymentConfig: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  Pod: ["spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Rollout: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
};

/** Kinds that run containers. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(Object.keys(POD_SPEC_PATH));

/**
 * Kinds that make a long-running deployable service: what "a new service" means in a manifest. Jobs,
 * CronJobs and DaemonSets (node agents) are workloads, but not services.
 */
export const SERVICE_WORKLOAD_KINDS: ReadonlySet<string> = new Set(["Deployment", "StatefulSet", "Rollout", "DeploymentConfig"]);

/** True for a Knative Service (serving.knative.dev), which is a deployable service too. */
export function isKnativeService(object: Pick<KubernetesObject, "kind" | "apiVersion">): boolean {
  return object.kind === "Service" && object.apiVersion.startsWith("serving.knative.dev/");
}

/** A Deployment-like object that defines a service (as opposed to a Job, a DaemonSet or a plain Service). */
export function isServiceWorkload(object: Pick<KubernetesObject, "kind" | "apiVersion">): boolean {
  return SERVICE_WORKLOAD_KINDS.has(object.kind) || isKnativeService(object);
}

/**
 * API groups whose documents borrow `apiVersion`/`kind` but are never applied to a cluster: Backstage
 * catalog entities and templates (`backstage.io`, `scaffolder.backstage.io`), Cloud Foundation Toolkit
 * blueprint metadata (`blueprints.cloud.google.com`, kind `BlueprintMetadata`), kpt package files, and
 * local-cluster tool configs (kind, k3d, ctlptl).
 */
const NON_CLUSTER_GROUPS = ["backstage.io", "blueprints.cloud.google.com", "kpt.dev", "kind.x-k8s.io", "k3d.io", "ctlptl.dev"];

/** Groups whose documents are configuration files of Kubernetes tooling and carry no `metadata` (Kustomization, Component). */
const METADATA_FREE_GROUPS = ["kustomize.config.k8s.io"];

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

const inGroups = (group: string, groups: readonly string[]) => groups.some((g) => group === g || group.endsWith(`.${g}`));

/**
 * True when a document with `apiVersion` and `kind` is still not a Kubernetes object, by what it is: a
 * known non-cluster API group, or no `metadata` where every cluster object has one (a kubeconfig's
 * `apiVersion: v1`/`kind: Config`, a tool's settings file). `hasMetadata` is whether the document has a
 * `metadata` map.
 */
export function isNotClusterObject(apiVersion: string, kind: string, hasMetadata: boolean): boolean {
  const group = groupOf(apiVersion);
  if (inGroups(group, NON_CLUSTER_GROUPS)) return true;
  if (hasMetadata || kind === "List" || kind.endsWith("List")) return false;
  return !inGroups(group, METADATA_FREE_GROUPS);
}

/** Every document (or List item) of `file` with a string `apiVersion` and `kind` that is a Kubernetes object (see isNotClusterObject). */
export function kubernetesObjects(file: StructuredFile): KubernetesObject[] {
  const out: KubernetesObject[] = [];
  file.docs.forEach((doc, docIndex) => {
    const value = doc.value;
    if (!isKubernetesShaped(value)) return;
    if (value.kind === "List" || value.kind.endsWith("List")) {
      asArray(value.items).forEach((item, i) => {
        if (isKubernetesShaped(item)) out.push(toObject(item, docIndex, doc.lineOf(["items", i, "kind"])));
      });
      return;
    }
    out.push(toObject(value, docIndex, doc.lineOf(["kind"])));
  });
  return out;
}

/** `v1`, `apps/v1`, `networking.istio.io/v1beta1`, `skaffold/v4beta6`: group/version as Kubernetes writes it. */
const API_VERSION = /^([\w.-]+\/)?v\d+[\w]*$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

function isKubernetesShaped(value: unknown): value is Record<string, unknown> & { kind: string; apiVersion: string } {
  return (
    isRecord(value) &&
    typeof value.kind === "string" &&
    typeof value.apiVersion === "string" &&
    KIND.test(value.kind) &&
    API_VERSION.test(value.apiVersion) &&
    !isNotClusterObject(value.apiVersion, value.kind, isRecord(value.metadata))
  );
}

function toObject(value: Record<string, unknown> & { kind: string; apiVersion: string }, docIndex: number, line: number): KubernetesObject {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
  return { kind: value.kind, apiVersion: value.apiVersion, name, namespace, docIndex, line, value };
}

/** Cheap pre-check on raw text: an unindented `apiVersion:` and `kind:` (or their JSON members). */
export function mayBeKubernetesText(text: string): boolean {
  return (/^apiVersion\s*:/m.test(text) && /^kind\s*:/m.test(text)) || (/"apiVersion"\s*:/.test(text) && /"kind"\s*:/.test(text));
}

/**
 * A workload document that carries no container image is a patch (Kustomize strategic merge, overlay)
 * of a workload defined elsewhere, not a definition of its own.
 */
export function definesContainers(object: KubernetesObject): boolean {
  return asArray(podSpecOf(object)?.containers).some((c) => isRecord(c) && typeof c.image === "string" && c.image !== "");
}

/** The images of a workload's containers (init containers and sidecars excluded: they serve the main ones). */
export function containerImages(object: KubernetesObject): string[] {
  return asArray(podSpecOf(object)?.containers).flatMap((c) => (isRecord(c) && typeof c.image === "string" && c.image !== "" ? [c.image] : []));
}

/** The pod spec of a workload (a Knative Service keeps it where a Deployment does). */
function podSpecOf(object: KubernetesObject): Record<string, unknown> | undefined {
  const path = POD_SPEC_PATH[object.kind] ?? ["spec", "template", "spec"];
  const podSpec = path.reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), object.value);
  return isRecord(podSpec) ? podSpec : undefined;
}

export interface KubernetesObjectHeader {
  kind: string;
  apiVersion: string;
  name: string;
  docIndex: number;
  line: number;
}

/**
 * Kind, apiVersion and metadata.name of each document of a block-style YAML manifest, read line by
 * line without a YAML parser (parsing is ~1 ms per manifest; this is ~50x faster). Undefined when the
 * text needs a real parser (JSON, flow-style documents, `kind: List`), so callers fall back to
 * `kubernetesObjects`.
 */
export function quickKubernetesObjects(text: string): KubernetesObjectHeader[] | undefined {
  // JSON or a flow-style document needs the parser; a Helm template's leading `{{- if … }}` does not.
  if (/^\s*(\[|\{(?!\{))/.test(text)) return undefined;
  const out: KubernetesObjectHeader[] = [];
  const lines = text.split("\n");
  let docIndex = 0;
  let current: {
    kind?: string;
    apiVersion?: string;
    name?: string;
    line: number;
    inMetadata: boolean;
    hasMetadata: boolean;
    metaIndent?: number;
    sawContent: boolean;
  } = { line: 0, inMetadata: false, hasMetadata: false, sawContent: false };
  const flush = () => {
    if (
      current.kind !== undefined &&
      current.apiVersion !== undefined &&
      KIND.test(current.kind) &&
      API_VERSION.test(current.apiVersion) &&
      !isNotClusterObject(current.apiVersion, current.kind, current.hasMetadata)
    ) {
      out.push({ kind: current.kind, apiVersion: current.apiVersion, name: current.name ?? "", docIndex, line: current.line });
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (/^---(\s|$)/.test(line)) {
      flush();
      if (current.sawContent) docIndex++;
      current = { line: 0, inMetadata: false, hasMetadata: false, sawContent: false };
      continue;
    }
    if (line.trim() === "" || /^\s*#/.test(line)) continue;
    current.sawContent = true;
    if (!/^\s/.test(line)) {
      current.inMetadata = false;
      const top = /^([A-Za-z]+)\s*:\s*(.*)$/.exec(line);
      if (!top) continue;
      const [, key, rest] = top;
      const scalar = unquote(rest!);
      if (key === "kind") {
        if (scalar === "List" || scalar.endsWith("List")) return undefined;
        current.kind = scalar;
        current.line = i + 1;
      } else if (key === "apiVersion") current.apiVersion = scalar;
      else if (key === "metadata") {
        current.hasMetadata = !/^(null|~)?$/.test(unquote(rest!)) || rest!.trim() === "" || rest!.trim().startsWith("#");
        if (rest!.trim().startsWith("{")) {
          const inline = /[{,]\s*name\s*:\s*([^,}\s]+)/.exec(rest!);
          if (inline) current.name = unquote(inline[1]!);
        } else current.inMetadata = true;
      }
      continue;
    }
    if (current.inMetadata && current.name === undefined) {
      // Only a direct child of metadata (labels and annotations may hold a `name` key too).
      const indent = line.length - line.trimStart().length;
      current.metaIndent ??= indent;
      const child = /^\s+name\s*:\s*(.*)$/.exec(line);
      if (child && indent === current.metaIndent) current.name = unquote(child[1]!);
    }
  }
  flush();
  return out;
}

function unquote(raw: string): string {
  // A YAML anchor (`name: &app cloudflare-dns`) labels the value; it is not part of it.
  const value = raw
    .replace(/\s+#.*$/, "")
    .trim()
    .replace(/^&[^\s]+\s+/, "");
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2]! : value;
}
