/**
 * Kubernetes workloads and their containers as the runtime rules judge them: plain manifests
 * (multi-document YAML), Helm chart templates (sanitized, values from the chart's values files) and
 * Kustomize (patches of every kustomization that includes a manifest are applied as alternatives).
 *
 * A container is seen through "variants": the container as written, and as each Kustomize patch or
 * Helm values file makes it. A requirement holds when some variant meets it (an overlay that adds
 * limits to a base counts), and cannot be judged when a template helper hides it.
 */
import type { Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { asArray, isRecord, parseStructured, type StructuredDoc } from "../../engine/structured.js";
import { isHelmTemplated, OPAQUE_REF, readHelmTemplate, TEMPLATED, VALUES_REF, type ValuesCondition } from "./helm.js";
import { lookupValues, mergeValues, overlay } from "./values.js";
import { basename, dirname, isYamlPath } from "../common/paths.js";
import { POD_SPEC_PATH } from "./objects.js";

/** Kinds whose pods run until stopped (probes make sense); Jobs and CronJobs run to completion. */
export const LONG_RUNNING_KINDS: ReadonlySet<string> = new Set([
  "DaemonSet",
  "Deployment",
  "DeploymentConfig",
  "Pod",
  "ReplicaSet",
  "ReplicationController",
  "Rollout",
  "StatefulSet",
]);

const WORKLOAD_KIND_LINE = new RegExp(`^\\s*kind:\\s*["']?(${Object.keys(POD_SPEC_PATH).join("|")})["']?\\s*$`, "m");

export interface ContainerVariant {
  /** The container (may hold Helm placeholders). */
  spec: unknown;
  /** The values the placeholders resolve against (Helm), undefined for plain manifests. */
  values: unknown;
  /** Where this variant comes from, for messages ("overlays/prod/kustomization.yaml"). */
  source?: string;
}

export interface WorkloadContainer {
  name: string;
  index: number;
  init: boolean;
  /** An init container with `restartPolicy: Always` (a native sidecar: runs for the pod's lifetime). */
  sidecar: boolean;
  /** Line of the container's `name:`. */
  line: number;
  variants: ContainerVariant[];
}

export interface Workload {
  file: string;
  kind: string;
  name: string;
  /** Identity within the file, independent of line numbers: kind/namespace/name. */
  key: string;
  /** Line of `kind:` (or the document start). */
  line: number;
  longRunning: boolean;
  helm: boolean;
  doc: StructuredDoc;
  podSpecPath: readonly string[];
  containers: WorkloadContainer[];
  /** The values candidates of a Helm chart (first: values.yaml alone). */
  valuesCandidates: unknown[];
}

export interface WorkloadFile {
  workloads: Workload[];
  /** What could not be judged, for ctx.note. */
  notes: string[];
  /** A manifest that does not parse: the rules cannot judge it. */
  parseErrors: { line: number; message: string }[];
}

interface PatchFragment {
  containerName?: string;
  containerIndex?: number;
  init: boolean;
  spec: unknown;
}

interface KustomizePatch {
  kustomization: string;
  kind?: string;
  name?: string;
  fragments: PatchFragment[];
  /** Files the kustomization includes (the patch applies to workloads in them). */
  reach: ReadonlySet<string>;
}

interface KustomizeIndex {
  patches: KustomizePatch[];
  /** Files used as patches: partial objects, never judged as workloads. */
  patchFiles: ReadonlySet<string>;
  /** commonLabels / labels each manifest file receives from some kustomization including it. */
  commonLabels: Map<string, Record<string, string>[]>;
}

const KUSTOMIZATION_NAMES = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);

/** Joins a relative reference to a directory, resolving `.` and `..`; undefined when it leaves the tree. */
export function joinPath(dir: string, ref: string): string | undefined {
  if (/^[a-z]+:\/\//i.test(ref) || ref.startsWith("github.com/") || ref.startsWith("/")) return undefined;
  const parts = dir === "" ? [] : dir.split("/");
  for (const part of ref.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

/** Per-review cache shared by the runtime rules, so each file is parsed once. */
export function k8sIndex(ctx: ReviewView): K8sIndex {
  return ctx.memo("kubernetes:index", (review) => new K8sIndex(review));
}

export class K8sIndex {
  private readonly files = new Map<string, Promise<WorkloadFile>>();
  private readonly pathSets = new Map<Side, Promise<Set<string>>>();
  private readonly kustomizeIndexes = new Map<Side, Promise<KustomizeIndex>>();
  private readonly valuesCache = new Map<string, Promise<unknown[]>>();

  /** `review` is the whole review's view (not one rule's): what the index notes is noted once. */
  constructor(readonly review: ReviewView) {}

  pathSet(side: Side): Promise<Set<string>> {
    let pending = this.pathSets.get(side);
    if (!pending) this.pathSets.set(side, (pending = this.review.paths(side).then((p) => new Set(p))));
    return pending;
  }

  /** The Helm chart directory holding `path` in its templates/ folder, if any. */
  async chartRoot(side: Side, path: string): Promise<string | undefined> {
    const paths = await this.pathSet(side);
    const parts = path.split("/");
    for (let i = parts.length - 2; i >= 0; i--) {
      if (parts[i] !== "templates") continue;
      const root = parts.slice(0, i).join("/");
      if (paths.has(root === "" ? "Chart.yaml" : `${root}/Chart.yaml`)) return root;
    }
    return undefined;
  }

  /** values.yaml, then values.yaml merged with each values-<env>.yaml of the chart. */
  valuesCandidates(side: Side, chartRoot: string): Promise<unknown[]> {
    const key = `${side}\0${chartRoot}`;
    let pending = this.valuesCache.get(key);
    if (!pending) {
      pending = (async () => {
        const paths = await this.pathSet(side);
        const prefix = chartRoot === "" ? "" : `${chartRoot}/`;
        const main = await this.readValues(side, `${prefix}values.yaml`);
        const others = [...paths]
          .filter((p) => dirname(p) === chartRoot && /^values[-._].+\.ya?ml$/i.test(basename(p)) && basename(p) !== "values.yaml")
          .sort();
        const candidates: unknown[] = [main ?? {}];
        for (const other of others) {
          const value = await this.readValues(side, other);
          if (value !== undefined) candidates.push(mergeValues(main ?? {}, value));
        }
        return candidates;
      })();
      this.valuesCache.set(key, pending);
    }
    return pending;
  }

  private async readValues(side: Side, path: string): Promise<unknown> {
    const parsed = await this.review.structured(side, path);
    if (!parsed) return undefined;
    if (parsed.errors.length > 0) {
      const e = parsed.errors[0]!;
      this.review.note(`${path}:${e.line}: values file does not parse (${e.message}); Helm workloads were judged without it`);
    }
    return parsed.docs[0]?.value;
  }

  /** Workloads in one file at one side (cached). */
  workloads(side: Side, path: string): Promise<WorkloadFile> {
    const key = `${side}\0${path}`;
    let pending = this.files.get(key);
    if (!pending) this.files.set(key, (pending = this.loadWorkloads(side, path)));
    return pending;
  }

  private async loadWorkloads(side: Side, path: string): Promise<WorkloadFile> {
    const empty: WorkloadFile = { workloads: [], notes: [], parseErrors: [] };
    if (!isYamlPath(path)) return empty;
    const text = await this.review.text(side, path);
    if (text === undefined || !WORKLOAD_KIND_LINE.test(text)) return empty;
    const kustomize = await this.kustomize(side);
    if (kustomize.patchFiles.has(path)) return empty;
    const chart = await this.chartRoot(side, path);
    const helm = chart !== undefined && isHelmTemplated(text);
    const template = helm ? readHelmTemplate(text) : undefined;
    // Plain manifests share the context's parse with the triggers; only Helm templates need their own.
    const parsed = (template ? parseStructured(template.text) : await this.review.structured(side, path)) ?? parseStructured(text);
    const result: WorkloadFile = { workloads: [], notes: [], parseErrors: [] };
    if (parsed.errors.length > 0) {
      const e = parsed.errors[0]!;
      if (helm)
        result.notes.push(`${path}:${e.line}: Helm template could not be read without rendering it (${e.message}); its workloads were not judged`);
      // A Go/Jinja-templated manifest outside a chart is an input to some renderer, not a broken manifest.
      else if (isHelmTemplated(text))
        result.notes.push(
          `${path}:${e.line}: templated manifest (outside a Helm chart) could not be read without rendering it; its workloads were not judged`,
        );
      else result.parseErrors.push({ line: e.line, message: e.message });
      return result;
    }
    const valuesCandidates = helm ? await this.valuesCandidates(side, chart!) : [undefined];
    // A line inside `{{- if .Values.x }}` renders only when some values file makes the test hold.
    const unrendered = (line: number): ValuesCondition | undefined => {
      const tests = template?.conditions.get(line) ?? [];
      if (tests.length === 0 || valuesCandidates.some((values) => tests.every((t) => isTruthy(lookupValues(values, t.path)) !== t.negate)))
        return undefined;
      return tests.find((t) => valuesCandidates.every((values) => isTruthy(lookupValues(values, t.path)) === t.negate)) ?? tests[0];
    };
    const skipped = (what: string, line: number, test: ValuesCondition) =>
      result.notes.push(
        `${path}:${line}: ${what} renders only when ${test.negate ? "not " : ""}.Values.${test.path}, which no values file ${test.negate ? "leaves unset" : "sets"}; not judged`,
      );
    const seen = new Map<string, number>();
    for (const doc of parsed.docs) {
      const value = doc.value;
      if (!isRecord(value) || typeof value.kind !== "string") continue;
      const podSpecPath = POD_SPEC_PATH[value.kind];
      if (!podSpecPath) continue;
      const podSpec = podSpecPath.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), value);
      if (!isRecord(podSpec)) continue;
      const metadata = isRecord(value.metadata) ? value.metadata : {};
      const rawName = typeof metadata.name === "string" ? metadata.name : "";
      const name = rawName.includes(TEMPLATED) || rawName.startsWith("__archgate_") ? "" : rawName;
      const namespace = typeof metadata.namespace === "string" && !metadata.namespace.startsWith("__archgate_") ? metadata.namespace : "";
      let key = `${value.kind}/${namespace}/${name}`;
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      if (count > 1 || name === "") key = `${key}#${count}`;
      const kindLine = doc.lineOf(["kind"]);
      // Judged by its containers' line: `kind:` itself may sit in if/else branches (StatefulSet or Deployment).
      const containersLine = doc.lineOf([...podSpecPath, "containers"]);
      const workloadTest = unrendered(containersLine);
      if (workloadTest) {
        skipped(value.kind, containersLine, workloadTest);
        continue;
      }
      const containers: WorkloadContainer[] = [];
      for (const field of ["initContainers", "containers"] as const) {
        const list = podSpec[field];
        const spliced = typeof list === "string" ? [list] : asArray(list).filter((c): c is string => typeof c === "string");
        const hidden = spliced.some(
          (c) =>
            c.startsWith(OPAQUE_REF) ||
            (c.startsWith(VALUES_REF) && valuesCandidates.some((v) => isTruthy(lookupValues(v, c.slice(VALUES_REF.length))))),
        );
        if (hidden) {
          result.notes.push(
            `${path}:${doc.lineOf([...podSpecPath, field])}: ${field} of ${value.kind} ${name || "(templated name)"} are spliced in by the template; those were not judged`,
          );
        }
        asArray(list).forEach((container, index) => {
          if (!isRecord(container)) return;
          const nameLine = doc.lineOf([...podSpecPath, field, index, "name"]);
          const containerTest = unrendered(nameLine);
          if (containerTest) {
            skipped(`${field === "initContainers" ? "init container" : "container"} ${String(container.name ?? index)}`, nameLine, containerTest);
            return;
          }
          const containerName = typeof container.name === "string" ? container.name : `#${index}`;
          containers.push({
            name: containerName.includes(TEMPLATED) || containerName.startsWith("__archgate_") ? `${field}[${index}]` : containerName,
            index,
            init: field === "initContainers",
            sidecar: field === "initContainers" && container.restartPolicy === "Always",
            line: nameLine,
            variants: valuesCandidates.map((values) => ({ spec: container, values })),
          });
        });
      }
      const workload: Workload = {
        file: path,
        kind: value.kind,
        name,
        key,
        line: kindLine,
        // A pod that is not restarted (Helm test pods, one-off Pods) runs to completion like a Job.
        longRunning:
          LONG_RUNNING_KINDS.has(value.kind) &&
          !(value.kind === "Pod" && (podSpec.restartPolicy === "Never" || podSpec.restartPolicy === "OnFailure")),
        helm,
        doc,
        podSpecPath,
        containers,
        valuesCandidates,
      };
      if (!helm) applyKustomizePatches(workload, kustomize);
      result.workloads.push(workload);
    }
    return result;
  }

  /** Kustomizations of the tree at `side`: their patches and what they include (cached). */
  kustomize(side: Side): Promise<KustomizeIndex> {
    let pending = this.kustomizeIndexes.get(side);
    if (!pending) this.kustomizeIndexes.set(side, (pending = this.loadKustomize(side)));
    return pending;
  }

  private async loadKustomize(side: Side): Promise<KustomizeIndex> {
    const paths = await this.pathSet(side);
    const kustomizations = [...paths].filter((p) => KUSTOMIZATION_NAMES.has(basename(p))).sort();
    const index: KustomizeIndex = { patches: [], patchFiles: new Set(), commonLabels: new Map() };
    const patchFiles = index.patchFiles as Set<string>;
    const parsedByDir = new Map<string, Record<string, unknown>>();
    for (const file of kustomizations) {
      const parsed = await this.review.structured(side, file);
      const value = parsed?.docs[0]?.value;
      if (isRecord(value)) parsedByDir.set(dirname(file), value);
    }
    const kustomizationIn = (dir: string) => parsedByDir.get(dir);
    const reachCache = new Map<string, Set<string>>();
    const reach = (dir: string, depth = 0): Set<string> => {
      const cached = reachCache.get(dir);
      if (cached) return cached;
      const files = new Set<string>();
      reachCache.set(dir, files);
      const k = kustomizationIn(dir);
      if (!k || depth > 20) return files;
      for (const field of ["resources", "bases", "components"]) {
        for (const entry of asArray(k[field])) {
          if (typeof entry !== "string") continue;
          const target = joinPath(dir, entry);
          if (target === undefined) continue;
          if (paths.has(target)) files.add(target);
          else if (kustomizationIn(target)) for (const f of reach(target, depth + 1)) files.add(f);
        }
      }
      return files;
    };
    for (const [dir, k] of parsedByDir) {
      const kustomizationFile = kustomizations.find((f) => dirname(f) === dir)!;
      const included = reach(dir);
      const labels = { ...(isRecord(k.commonLabels) ? k.commonLabels : {}) } as Record<string, string>;
      for (const entry of asArray(k.labels)) {
        // `labels` set the objects' own labels (and the pod template's with includeTemplates); both count.
        if (isRecord(entry) && isRecord(entry.pairs)) Object.assign(labels, entry.pairs);
      }
      if (Object.keys(labels).length > 0) {
        for (const f of included) {
          const list = index.commonLabels.get(f) ?? [];
          list.push(labels);
          index.commonLabels.set(f, list);
        }
      }
      const addPatch = async (source: { path?: unknown; patch?: unknown; target?: unknown }) => {
        let docs: unknown[] = [];
        if (typeof source.path === "string") {
          const file = joinPath(dir, source.path);
          if (file === undefined) return;
          patchFiles.add(file);
          const parsed = await this.review.structured(side, file);
          docs = parsed?.docs.map((d) => d.value) ?? [];
        } else if (typeof source.patch === "string") {
          docs = parseStructured(source.patch).docs.map((d) => d.value);
        }
        const target = isRecord(source.target) ? source.target : {};
        for (const doc of docs) {
          const patch = toPatch(doc, target);
          if (patch) index.patches.push({ ...patch, kustomization: kustomizationFile, reach: included });
        }
      };
      for (const entry of asArray(k.patchesStrategicMerge)) {
        if (typeof entry !== "string") continue;
        // An entry is a file path, or an inline patch (a YAML document with a newline in it).
        if (entry.includes("\n")) await addPatch({ patch: entry });
        else await addPatch({ path: entry });
      }
      for (const field of ["patches", "patchesJson6902"]) {
        for (const entry of asArray(k[field])) {
          if (typeof entry === "string") await addPatch({ path: entry });
          else if (isRecord(entry)) await addPatch(entry);
        }
      }
    }
    return index;
  }
}

/** Truthiness as Go templates judge it: false, 0, "", null and empty maps/lists are false. */
function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

/** A patch document (strategic merge or JSON 6902 operations) as container fragments. */
function toPatch(doc: unknown, target: Record<string, unknown>): Omit<KustomizePatch, "kustomization" | "reach"> | undefined {
  const targetKind = typeof target.kind === "string" ? target.kind : undefined;
  const targetName = typeof target.name === "string" ? target.name : undefined;
  if (Array.isArray(doc)) {
    // JSON 6902: [{ op: add, path: /spec/template/spec/containers/0/resources, value: {...} }]
    const kind = targetKind;
    if (!kind || !POD_SPEC_PATH[kind]) return undefined;
    const prefix = `/${POD_SPEC_PATH[kind]!.join("/")}/`;
    const fragments: PatchFragment[] = [];
    for (const op of doc) {
      if (!isRecord(op) || (op.op !== "add" && op.op !== "replace") || typeof op.path !== "string" || !op.path.startsWith(prefix)) continue;
      const rest = op.path
        .slice(prefix.length)
        .split("/")
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
      const [field, position, ...inner] = rest;
      if ((field !== "containers" && field !== "initContainers") || !/^\d+$/.test(position ?? "")) continue;
      let spec: unknown = op.value;
      for (const key of [...inner].reverse()) spec = { [key]: spec };
      fragments.push({ containerIndex: Number(position), init: field === "initContainers", spec });
    }
    return fragments.length > 0 ? { kind, name: targetName, fragments } : undefined;
  }
  if (!isRecord(doc)) return undefined;
  const kind = typeof doc.kind === "string" ? doc.kind : targetKind;
  if (!kind || !POD_SPEC_PATH[kind]) return undefined;
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const name = targetName ?? (typeof metadata.name === "string" ? metadata.name : undefined);
  const podSpec = POD_SPEC_PATH[kind]!.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), doc);
  if (!isRecord(podSpec)) return undefined;
  const fragments: PatchFragment[] = [];
  for (const field of ["initContainers", "containers"] as const) {
    for (const container of asArray(podSpec[field])) {
      if (isRecord(container) && typeof container.name === "string") {
        fragments.push({ containerName: container.name, init: field === "initContainers", spec: container });
      }
    }
  }
  return fragments.length > 0 ? { kind, name, fragments } : undefined;
}

function nameMatches(pattern: string | undefined, name: string): boolean {
  if (pattern === undefined) return true;
  if (pattern === name) return true;
  try {
    return new RegExp(`^(?:${pattern})$`).test(name);
  } catch {
    return false;
  }
}

/** Adds, to each container, the variants that the patches of kustomizations including its file make. */
function applyKustomizePatches(workload: Workload, index: KustomizeIndex): void {
  for (const patch of index.patches) {
    if (!patch.reach.has(workload.file)) continue;
    if (patch.kind !== undefined && patch.kind !== workload.kind) continue;
    if (!nameMatches(patch.name, workload.name)) continue;
    for (const fragment of patch.fragments) {
      const container = workload.containers.find(
        (c) =>
          c.init === fragment.init &&
          (fragment.containerName !== undefined ? c.name === fragment.containerName : c.index === fragment.containerIndex),
      );
      if (!container) continue;
      const first = container.variants[0]!;
      container.variants.push({ spec: overlay(first.spec, fragment.spec), values: first.values, source: patch.kustomization });
    }
  }
}
