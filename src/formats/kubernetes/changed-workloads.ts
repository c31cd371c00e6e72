/**
 * Which containers a runtime rule judges: those the PR adds, and those whose relevant part (resources,
 * probes) the PR changes, directly or through the chart's values files. Untouched containers in a
 * touched file are left alone: the PR did not make them.
 */
import type { ReviewView } from "../../engine/types.js";
import { isRecord } from "../../engine/structured.js";
import { isOpaque, isSet, resolveValue, walk } from "./values.js";
import { isNeverJudged } from "../common/noise.js";
import { isYamlPath } from "../common/paths.js";
import { k8sIndex, type ContainerVariant, type Workload, type WorkloadContainer } from "./workloads.js";

export interface JudgedContainer {
  workload: Workload;
  container: WorkloadContainer;
  /** The container existed at base: the PR changed it but did not create it. */
  existing: boolean;
}

export interface JudgedWorkload {
  workload: Workload;
  /** The workload existed at base. */
  existing: boolean;
  baseWorkload?: Workload;
}

/** Resolves Helm placeholders everywhere in `value` (opaque splices become `{ opaque }`). */
export function resolveDeep(value: unknown, values: unknown, depth = 0): unknown {
  const resolved = resolveValue(value, values);
  if (depth > 20) return resolved;
  if (Array.isArray(resolved)) return resolved.map((v) => resolveDeep(v, values, depth + 1));
  if (isRecord(resolved) && !isOpaque(resolved)) {
    return Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, resolveDeep(v, values, depth + 1)]));
  }
  return resolved;
}

/** Files whose workloads the PR may have changed: changed YAML, plus chart templates whose values changed. */
async function candidateFiles(ctx: ReviewView): Promise<{ path: string; basePath?: string }[]> {
  const index = k8sIndex(ctx);
  const out = new Map<string, string | undefined>();
  for (const file of ctx.headFiles) {
    // Test recordings, fixtures, vendored and generated YAML are not the system's manifests: never read.
    if (!isYamlPath(file.path) || isNeverJudged(file.path)) continue;
    const basePath = file.status === "added" ? undefined : (file.previousPath ?? file.path);
    out.set(file.path, file.status === "copied" ? undefined : basePath);
    // A values file of a chart: its templates may now render differently.
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    if (/^values([-._].+)?\.ya?ml$/i.test(name)) {
      const root = file.path.includes("/") ? file.path.slice(0, file.path.lastIndexOf("/")) : "";
      const prefix = root === "" ? "" : `${root}/`;
      // Listing the tree can cost an API call: only done when a values file changed.
      const headPaths = await index.pathSet("head");
      if (!headPaths.has(`${prefix}Chart.yaml`)) continue;
      for (const path of headPaths) {
        if (path.startsWith(`${prefix}templates/`) && isYamlPath(path) && !out.has(path)) {
          const f = ctx.file(path);
          out.set(path, f?.status === "added" ? undefined : (f?.previousPath ?? path));
        }
      }
    }
  }
  return [...out].sort(([a], [b]) => a.localeCompare(b)).map(([path, basePath]) => ({ path, basePath }));
}

/** Workloads in the files the PR changed, with their base counterpart; reports unreadable manifests. */
export async function changedWorkloads(ctx: ReviewView): Promise<JudgedWorkload[]> {
  const index = k8sIndex(ctx);
  const out: JudgedWorkload[] = [];
  for (const { path, basePath } of await candidateFiles(ctx)) {
    const head = await index.workloads("head", path);
    // What the index found about a file belongs to no single rule: noted (and failed) once per review.
    for (const note of head.notes) index.review.note(note, "not-judged");
    const e = head.parseErrors[0];
    if (e) index.review.problem({ file: path, line: e.line, message: `${path}:${e.line}: Kubernetes manifest does not parse (${e.message})` });
    const base = basePath === undefined ? undefined : await index.workloads("base", basePath);
    for (const workload of head.workloads) {
      const baseWorkload = base?.workloads.find((w) => w.key === workload.key);
      out.push({ workload, existing: baseWorkload !== undefined, baseWorkload });
    }
  }
  return out;
}

/**
 * Containers the PR adds or changes, where "changes" means the part `slice` picks out (resolved against
 * every variant) differs from base.
 */
export async function changedContainers(
  ctx: ReviewView,
  slice: (variant: ContainerVariant) => unknown,
  include: (workload: Workload, container: WorkloadContainer) => boolean,
): Promise<JudgedContainer[]> {
  const out: JudgedContainer[] = [];
  const fingerprint = (c: WorkloadContainer) => JSON.stringify(c.variants.map(slice));
  for (const { workload, baseWorkload } of await changedWorkloads(ctx)) {
    for (const container of workload.containers) {
      if (!include(workload, container)) continue;
      const before = baseWorkload?.containers.find((c) => c.init === container.init && c.name === container.name);
      if (before && fingerprint(before) === fingerprint(container)) continue;
      out.push({ workload, container, existing: before !== undefined });
    }
  }
  return out;
}

export type Verdict = "set" | "missing" | "opaque";

/**
 * Whether `path` is set in some variant of the container: set wins, then "opaque" (a template helper
 * hides it: not judged), else missing.
 */
export function verdict(container: WorkloadContainer, path: readonly string[]): { verdict: Verdict; opaque?: string } {
  let opaque: string | undefined;
  for (const variant of container.variants) {
    const value = walk(variant.spec, path, variant.values);
    if (isOpaque(value)) opaque ??= value.opaque;
    else if (isSet(value)) return { verdict: "set" };
  }
  return opaque !== undefined ? { verdict: "opaque", opaque } : { verdict: "missing" };
}

export function describeWorkload(workload: Workload): string {
  return workload.name ? `${workload.kind} "${workload.name}"` : workload.kind;
}

export function describeContainer(container: WorkloadContainer): string {
  return `${container.sidecar ? "sidecar container" : container.init ? "init container" : "container"} "${container.name}"`;
}

/** Stable key of a container finding: independent of line numbers. */
export function containerKey(workload: Workload, container: WorkloadContainer): string {
  return `${workload.key}:${container.init ? "init/" : ""}${container.name}`;
}
