/**
 * What a Kustomize kustomization deploys from outside the repository: remote `resources` (a URL, a
 * `github.com/owner/repo//path?ref=v1` base, a release manifest) and `helmCharts` inflated by Kustomize.
 * A gitops repository often deploys a third-party component with nothing else: no Deployment, no
 * HelmRelease, only a kustomization pulling the component's published manifests.
 *
 * Each source is named by its origin, the same across versions (`github.com/movetokube/postgres-operator`
 * for every release of its `operator.yaml`), so an upgrade or a move keeps the component. CRD bundles
 * (`…/crds`, `crd.yaml`, `cert-manager.crds.yaml`) define API types, and published dashboards and alert rules
 * configure monitoring: neither is a running component, both are left out.
 */
import { isRecord, type StructuredDoc } from "../../engine/structured.js";

export interface KustomizeSource {
  /** Version-free identity: `github.com/<owner>/<repo>`, `<host>/<path>` without versions, or `helm <repo> <chart>`. */
  origin: string;
  /** What it is, for messages: the URL as written, or `Helm chart <name>`. */
  label: string;
  line: number;
}

export interface KustomizeFile {
  /** `Component` (a reusable mixin included by apps) or `Kustomization`. */
  kind: "Kustomization" | "Component";
  sources: KustomizeSource[];
  /** Local entries of `resources` and `components` as written. */
  localEntries: string[];
}

const KUSTOMIZATION_NAME = /^(kustomization\.ya?ml|Kustomization)$/;

export function isKustomizationPath(path: string): boolean {
  return KUSTOMIZATION_NAME.test(path.slice(path.lastIndexOf("/") + 1));
}

/** A remote resource entry: a URL, a git address or a host-qualified path (`github.com/org/repo/deploy?ref=v1`). */
export function isRemoteEntry(entry: string): boolean {
  return /^(https?:\/\/|git::|git@|ssh:\/\/|[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}\/)/i.test(entry.trim());
}

const VERSION_SEGMENT = /^(v?\d+(\.\d+)*([-+][\w.]+)?|latest|stable|main|master|HEAD|refs|heads|tags|releases?|download|blob|raw|tree)$/i;
const CRD_SEGMENT = /^crds?$|^crds?[-_.]|[-_.]crds?(\.ya?ml)?$|^crd[-_.]?definitions?/i;
/** Monitoring configuration published beside a component (Grafana dashboards, alerting and recording rules). */
const MONITORING_SEGMENT = /dashboard|^(alerts?|rules|prometheus-?rules?)(\.ya?ml)?$/i;
const GIT_HOSTS = new Set(["github.com", "raw.githubusercontent.com", "gitlab.com", "bitbucket.org", "codeberg.org"]);

/** The host and path segments of a remote entry (scheme, credentials, query and `.git` removed). */
function hostAndPath(entry: string): { host: string; segments: string[] } {
  let rest = entry
    .trim()
    .replace(/^git::/, "")
    .replace(/^[a-z+]+:\/\//i, "");
  const scp = /^[\w.-]+@([^:/]+):(.*)$/.exec(rest);
  if (scp) rest = `${scp[1]}/${scp[2]}`;
  rest = rest.replace(/^[^/@]+@/, "").replace(/[?#].*$/, "");
  const [host = "", ...path] = rest.split("/").filter((s) => s !== "");
  return { host: host.toLowerCase(), segments: path.map((s) => s.replace(/\.git$/, "")) };
}

/** True for a remote entry that brings API types or monitoring configuration only (CRDs, dashboards, alert rules), no running component. */
export function isDefinitionsEntry(entry: string): boolean {
  return hostAndPath(entry)
    .segments.slice(2)
    .some((s) => CRD_SEGMENT.test(s) || MONITORING_SEGMENT.test(s));
}

/** The version-free origin of a remote entry. */
export function remoteOrigin(entry: string): string {
  const { host, segments } = hostAndPath(entry);
  if (GIT_HOSTS.has(host) && segments.length >= 2) {
    const forge = host === "raw.githubusercontent.com" ? "github.com" : host;
    return `${forge}/${segments[0]!.toLowerCase()}/${segments[1]!.toLowerCase()}`;
  }
  const kept = segments.filter((s) => !VERSION_SEGMENT.test(s) && !/\.(ya?ml|json)$/.test(s)).slice(0, 3);
  return [host, ...kept].join("/").toLowerCase();
}

/** The kustomization in `doc` (Kustomize's own `kustomize.config.k8s.io` group, or no apiVersion), with its remote sources. */
export function kustomizeFile(doc: StructuredDoc): KustomizeFile | undefined {
  const value = doc.value;
  if (!isRecord(value)) return undefined;
  const apiVersion = typeof value.apiVersion === "string" ? value.apiVersion : "";
  if (apiVersion !== "" && !apiVersion.startsWith("kustomize.config.k8s.io/")) return undefined;
  const kind = value.kind === "Component" ? "Component" : value.kind === undefined || value.kind === "Kustomization" ? "Kustomization" : undefined;
  if (!kind) return undefined;
  const sources: KustomizeSource[] = [];
  const localEntries: string[] = [];
  for (const key of ["resources", "bases", "components"] as const) {
    const list = value[key];
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      if (typeof entry !== "string") return;
      if (!isRemoteEntry(entry)) {
        localEntries.push(entry);
        return;
      }
      if (key === "components" || isDefinitionsEntry(entry)) return;
      sources.push({ origin: remoteOrigin(entry), label: entry.trim(), line: doc.lineOf([key, i]) });
    });
  }
  const charts = value.helmCharts;
  if (Array.isArray(charts)) {
    charts.forEach((chart, i) => {
      if (!isRecord(chart) || typeof chart.name !== "string") return;
      if (CRD_SEGMENT.test(chart.name)) return;
      const repo = typeof chart.repo === "string" ? chart.repo.replace(/\/+$/, "").toLowerCase() : "";
      sources.push({ origin: `helm ${repo} ${chart.name}`, label: `Helm chart ${chart.name}`, line: doc.lineOf(["helmCharts", i]) });
    });
  }
  return { kind, sources, localEntries };
}
