/**
 * Deployable units appearing and disappearing: service directories, Kubernetes workloads, compose
 * services, Helm charts, gitops releases (Flux HelmRelease and Kustomization, Argo CD Application and
 * ApplicationSet) and catalog components. One pass shared by the new-service and
 * service-retirement triggers (cached per review). Moves and renames are neither new nor retired.
 */
import type { ChangedFile, Side } from "../../engine/change.js";
import type { ReviewView } from "../../engine/types.js";
import { isCiActionPath, isCiPipeline, isComposeFile, isDockerfile, isManifestDirectory } from "../infra/kinds.js";
import {
  containerImages,
  definesContainers,
  isServiceWorkload,
  kubernetesObjects,
  type KubernetesObject,
  type KubernetesObjectHeader,
} from "../kubernetes/objects.js";
import { isNoise } from "../common/noise.js";
import { basename, dirname, extension, isUnder, pathIndex, type PathIndex } from "../common/paths.js";
import {
  catalogComponents,
  composeServices,
  dockerfileHasEntrypoint,
  findEntrypoint,
  isCatalogPath,
  isDeployableComponent,
  isRetiredLifecycle,
  isServiceMarker,
  isThirdPartyImage,
  manifestHasEntrypoint,
  type CatalogComponent,
  type ComposeService,
} from "./markers.js";
import { isRecord } from "../../engine/structured.js";
import { isKustomizationPath, kustomizeFile, type KustomizeSource } from "../kubernetes/kustomize-sources.js";
import type { TriggerHit } from "../../engine/types.js";
import { isIgnoredByTriggers, manifestHeaders, pathAt, structuredIf } from "../common/changed-files.js";

export interface DeployableHits {
  added: TriggerHit[];
  retired: TriggerHit[];
  /** Service directories the change renames or moves (base directory → head directory): neither new nor retired. */
  renamedDirs: Map<string, string>;
}

/** Deployable units added and retired by the change: found once per review, read by new-service and service-retirement. */
export function deployableHits(ctx: ReviewView): Promise<DeployableHits> {
  return ctx.memo("services:deployables", detectAll);
}

class Trees {
  private readonly indexes: Partial<Record<Side, PathIndex>> = {};
  constructor(private readonly ctx: ReviewView) {}
  async at(side: Side): Promise<PathIndex> {
    return (this.indexes[side] ??= pathIndex(await this.ctx.paths(side)));
  }
}

async function detectAll(ctx: ReviewView): Promise<DeployableHits> {
  const out: DeployableHits = { added: [], retired: [], renamedDirs: new Map() };
  // A CI action's own container (.github/actions/<name>/Dockerfile) is tooling, not a deployable unit.
  const files = ctx.files.filter((f) => !isIgnoredByTriggers(f) && !isCiActionPath(f.path) && !(f.previousPath && isCiActionPath(f.previousPath)));
  const trees = new Trees(ctx);
  await serviceDirectories(ctx, files, trees, out);
  await workloads(ctx, files, trees, out);
  await compose(ctx, files, trees, out);
  await helmCharts(ctx, files, trees, out);
  await gitopsReleases(ctx, files, trees, out);
  await generatedReleases(ctx, files, trees, out);
  await kustomizeApps(ctx, files, trees, out);
  await catalog(ctx, files, out);
  return out;
}

// ---------------------------------------------------------------- service directories

async function serviceDirectories(ctx: ReviewView, files: ChangedFile[], trees: Trees, out: DeployableHits): Promise<void> {
  const added = files.filter((f) => (f.status === "added" || f.status === "copied") && isServiceMarker(f.path) && dirname(f.path) !== "");
  const removed = files.filter((f) => f.status === "removed" && isServiceMarker(f.path) && dirname(f.path) !== "");
  await renamedMarkerDirs(files, trees, out.renamedDirs);
  if (added.length === 0 && removed.length === 0) return;
  const moved = await movedMarkers(ctx, added, removed, out.renamedDirs);

  const base = await trees.at("base");
  const head = await trees.at("head");
  const newDirs: string[] = [];
  const pendingAdded: PendingUnit[] = [];
  const pendingRetired: PendingUnit[] = [];
  for (const [dir, markers] of groupByDir(added.filter((f) => !moved.has(f.path)))) {
    if (base.hasDir(dir) || newDirs.some((d) => isUnder(dir, d))) continue;
    const entry = await entrypointOf(
      ctx,
      "head",
      head,
      dir,
      markers.map((m) => m.path),
    );
    if (!entry) continue;
    newDirs.push(dir);
    const marker = markers.find((m) => isDockerfile(m.path)) ?? markers[0]!;
    pendingAdded.push({
      dir,
      marker: marker.path,
      hit: { file: marker.path, reason: `adds service directory ${dir} (${markers.map((m) => basename(m.path)).join(", ")}; starts with ${entry})` },
    });
  }
  const goneDirs: string[] = [];
  for (const [dir, markers] of groupByDir(removed.filter((f) => !moved.has(f.path)))) {
    if (head.namesIn(dir).some((n) => isServiceMarker(n)) || goneDirs.some((d) => isUnder(dir, d))) continue;
    const entry = await entrypointOf(ctx, "base", base, dir, base.filesIn(dir).filter(isServiceMarker));
    if (!entry) continue;
    goneDirs.push(dir);
    const marker = markers.find((m) => isDockerfile(m.path)) ?? markers[0]!;
    pendingRetired.push({
      dir,
      marker: marker.path,
      hit: {
        file: marker.path,
        reason: `removes service directory ${dir} (${markers.map((m) => basename(m.path)).join(", ")}; started with ${entry})`,
      },
    });
  }
  // A service renamed while its files were edited (git saw delete + add): same parent, similar name or build file.
  const renamedDirs = new Set<string>();
  for (const a of pendingAdded) {
    for (const r of pendingRetired) {
      if (renamedDirs.has(r.dir) || !(await looksRenamed(ctx, a, r))) continue;
      renamedDirs.add(a.dir);
      renamedDirs.add(r.dir);
      out.renamedDirs.set(r.dir, a.dir);
      break;
    }
  }
  for (const a of pendingAdded) if (!renamedDirs.has(a.dir)) out.added.push(a.hit);
  for (const r of pendingRetired) if (!renamedDirs.has(r.dir)) out.retired.push(r.hit);
}

interface PendingUnit {
  dir: string;
  marker: string;
  hit: TriggerHit;
}

/** Normalised unit name: "checkoutservice", "checkout-service" and "checkout" are one name. */
function unitName(dir: string): string {
  return basename(dir)
    .toLowerCase()
    .replace(/[-_]?(service|svc|server|api|app)$/, "")
    .replace(/[-_]/g, "");
}

async function looksRenamed(ctx: ReviewView, added: PendingUnit, retired: PendingUnit): Promise<boolean> {
  const a = unitName(added.dir);
  const r = unitName(retired.dir);
  if (a !== "" && (a === r || a.startsWith(r) || r.startsWith(a))) return true;
  if (basename(added.marker) !== basename(retired.marker)) return false;
  const before = await ctx.text("base", retired.marker);
  const after = await ctx.text("head", added.marker);
  return before !== undefined && after !== undefined && lineSimilarity(before, after) >= 0.6;
}

/** Jaccard similarity of the non-blank lines of two texts. */
function lineSimilarity(a: string, b: string): number {
  const set = (t: string) =>
    new Set(
      t
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== ""),
    );
  const x = set(a);
  const y = set(b);
  let shared = 0;
  for (const l of x) if (y.has(l)) shared++;
  const union = x.size + y.size - shared;
  return union === 0 ? 1 : shared / union;
}

/** Groups by directory, outermost first (so nested units inside a new service are not counted twice). */
function groupByDir(files: ChangedFile[]): Array<[string, ChangedFile[]]> {
  const groups = new Map<string, ChangedFile[]>();
  for (const f of files) {
    const dir = dirname(f.path);
    groups.set(dir, [...(groups.get(dir) ?? []), f]);
  }
  return [...groups.entries()].sort((a, b) => a[0].split("/").length - b[0].split("/").length || a[0].localeCompare(b[0]));
}

/**
 * Directories whose service markers git saw renamed (`order-service/Dockerfile` → `service-order/Dockerfile`) while
 * the base directory is gone at head: the service directory was renamed.
 */
async function renamedMarkerDirs(files: ChangedFile[], trees: Trees, into: Map<string, string>): Promise<void> {
  for (const f of files) {
    if (f.status !== "renamed" || !f.previousPath || !isServiceMarker(f.path)) continue;
    const from = dirname(f.previousPath);
    const to = dirname(f.path);
    if (from === to || from === "" || into.has(from) || (await trees.at("head")).hasDir(from)) continue;
    into.set(from, to);
  }
}

/** Markers deleted in one place and added with the same name and content in another: a moved service. */
async function movedMarkers(ctx: ReviewView, added: ChangedFile[], removed: ChangedFile[], renamedDirs: Map<string, string>): Promise<Set<string>> {
  const moved = new Set<string>();
  if (added.length === 0 || removed.length === 0) return moved;
  const removedTexts = new Map<string, string>();
  for (const f of removed) {
    const text = await ctx.text("base", f.path);
    if (text !== undefined) removedTexts.set(f.path, text);
  }
  for (const f of added) {
    const text = await ctx.text("head", f.path);
    if (text === undefined) continue;
    for (const [path, old] of removedTexts) {
      if (basename(path) === basename(f.path) && old === text) {
        moved.add(path);
        moved.add(f.path);
        if (!renamedDirs.has(dirname(path))) renamedDirs.set(dirname(path), dirname(f.path));
      }
    }
  }
  // A whole directory moves together: if one of its markers moved, the others did too.
  const movedDirs = new Set([...moved].map(dirname));
  for (const f of [...added, ...removed]) if (movedDirs.has(dirname(f.path))) moved.add(f.path);
  return moved;
}

/** What starts a process in `dir` at `side`: a Dockerfile CMD, a start script, or an entrypoint file. */
async function entrypointOf(ctx: ReviewView, side: Side, index: PathIndex, dir: string, markers: string[]): Promise<string | undefined> {
  for (const marker of markers) {
    const text = await ctx.text(side, marker);
    if (text === undefined) continue;
    if (isDockerfile(marker) && dockerfileHasEntrypoint(text)) return `the CMD/ENTRYPOINT of ${basename(marker)}`;
    if (!isDockerfile(marker) && manifestHasEntrypoint(marker, text)) return `the start script of ${basename(marker)}`;
  }
  const relative = index.filesUnder(dir, 5000).map((p) => (dir === "" ? p : p.slice(dir.length + 1)));
  const entry = findEntrypoint(relative);
  return entry;
}

// ---------------------------------------------------------------- Kubernetes workloads

interface Located {
  object: KubernetesObjectHeader;
  file: ChangedFile;
  /** Path at the object's side. */
  path: string;
  side: Side;
}

/** Service workloads (Deployment, StatefulSet, Rollout, Knative Service) with a literal name, from the fast header scan. */
async function workloadHeaders(ctx: ReviewView, side: Side, path: string): Promise<KubernetesObjectHeader[]> {
  return (await manifestHeaders(ctx, side, path)).filter((o) => isServiceWorkload(o) && o.name !== "" && !o.name.includes("{{"));
}

/** The object when it really defines containers (a full workload, not a Kustomize patch); needs the YAML parser. */
async function fullWorkload(ctx: ReviewView, located: Located): Promise<KubernetesObject | undefined> {
  const parsed = await ctx.structured(located.side, located.path);
  if (!parsed) return undefined;
  return kubernetesObjects(parsed).find((o) => o.name === located.object.name && o.kind === located.object.kind && definesContainers(o));
}

/** A workload whose containers all run third-party images (postgres, redis…): infrastructure, not a team's service. */
function runsOnlyThirdPartyImages(object: KubernetesObject): boolean {
  const images = containerImages(object);
  return images.length > 0 && images.every(isThirdPartyImage);
}

/** Directories of Kubernetes manifests (and the root), where a repository keeps its workloads if it has any. */
function mayHoldManifests(path: string): boolean {
  return (
    /\.(ya?ml|json)$/.test(path) &&
    !isNoise(path) &&
    !isComposeFile(path) &&
    !isCiPipeline(path) &&
    (!path.includes("/") || isManifestDirectory(path))
  );
}

/**
 * True when `side` has no Kubernetes service workload and no Helm chart or kustomization: the change
 * writes the repository's first (or removes its last) deployment manifests. Looks at YAML in manifest
 * directories and at the root (and in `alsoIn`); with more than 60 candidates it assumes manifests exist.
 */
async function hasNoWorkloads(ctx: ReviewView, side: Side, index: PathIndex, alsoIn: ReadonlySet<string>): Promise<boolean> {
  const candidates: string[] = [];
  for (const path of index.files) {
    const name = basename(path);
    if (/^(Chart\.ya?ml|kustomization\.ya?ml|Kustomization)$/.test(name) && !isNoise(path)) return false;
    if (mayHoldManifests(path) || (alsoIn.has(dirname(path)) && /\.(ya?ml|json)$/.test(path))) candidates.push(path);
    if (candidates.length > 60) return false;
  }
  for (const path of candidates) if ((await workloadHeaders(ctx, side, path)).length > 0) return false;
  return true;
}

/**
 * The deployable unit a workload deploys when that unit exists at `side` without it: the repository root
 * (a build file and an entrypoint, e.g. pom.xml and *Application.java) or a directory named like the
 * workload with a Dockerfile or package manifest. Undefined when there is none.
 */
async function existingUnit(ctx: ReviewView, side: Side, index: PathIndex, workload: string): Promise<string | undefined> {
  const rootMarkers = index.filesIn("").filter(isServiceMarker);
  if (rootMarkers.length > 0 && (await entrypointOf(ctx, side, index, "", rootMarkers))) return "the repository root";
  return serviceDirectoryOf(index, workload);
}

/** A directory named like the workload with a Dockerfile or package manifest: the service it deploys. */
function serviceDirectoryOf(index: PathIndex, workload: string): string | undefined {
  const wanted = unitName(workload);
  if (wanted === "") return undefined;
  for (const path of index.files) {
    const dir = dirname(path);
    if (dir !== "" && isServiceMarker(path) && !isNoise(path) && unitName(dir) === wanted) return dir;
  }
  return undefined;
}

/** The objects `headers` finds in each changed file, at head (unless removed) and at base (unless new). */
async function locateObjects(
  ctx: ReviewView,
  files: ChangedFile[],
  headers: (ctx: ReviewView, side: Side, path: string) => Promise<KubernetesObjectHeader[]>,
): Promise<{ atHead: Located[]; atBase: Located[] }> {
  const atHead: Located[] = [];
  const atBase: Located[] = [];
  for (const file of files) {
    if (file.status !== "removed")
      for (const object of await headers(ctx, "head", file.path)) atHead.push({ object, file, path: file.path, side: "head" });
    if (file.status !== "added" && file.status !== "copied") {
      const path = pathAt(file, "base");
      for (const object of await headers(ctx, "base", path)) atBase.push({ object, file, path, side: "base" });
    }
  }
  return { atHead, atBase };
}

async function workloads(ctx: ReviewView, files: ChangedFile[], trees: Trees, out: DeployableHits): Promise<void> {
  const yaml = files.filter((f) => /^(ya?ml|json)$/.test(extension(f.path)) && !isComposeFile(f.path) && !isCatalogPath(f.path));
  const { atHead, atBase } = await locateObjects(ctx, yaml, workloadHeaders);
  if (atHead.length === 0 && atBase.length === 0) return;
  const headNames = new Set(atHead.map((l) => l.object.name));
  const baseNames = new Set(atBase.map((l) => l.object.name));
  // Only full definitions count: a patch that names a workload neither creates nor removes it.
  const objects = new Map<Located, KubernetesObject>();
  const appeared: Located[] = [];
  const vanished: Located[] = [];
  for (const [located, others, into] of [
    [atHead, baseNames, appeared],
    [atBase, headNames, vanished],
  ] as const) {
    for (const l of located) {
      if (others.has(l.object.name)) continue;
      const object = await fullWorkload(ctx, l);
      if (!object) continue;
      objects.set(l, object);
      into.push(l);
    }
  }
  // A workload renamed in place: one name out and one in within the same file is a rename, not a new service.
  const renamed = renamedInPlace(appeared, vanished);
  const changed = new Set(files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path])));
  const thirdParty: string[] = [];
  const deployed: string[] = [];
  const undeployed: string[] = [];
  // First manifests of a repository: each workload deploys a unit that existed before (asked once per side).
  const bare: Partial<Record<Side, Promise<boolean>>> = {};
  const manifestDirs = new Set(files.map((f) => dirname(f.path)));
  const isBare = async (side: Side) => (bare[side] ??= trees.at(side).then((index) => hasNoWorkloads(ctx, side, index, manifestDirs)));
  for (const a of appeared) {
    if (renamed.has(a)) continue;
    // The same workload may already be defined in an unchanged file (another environment, another overlay).
    if (await definedElsewhere(ctx, "base", await trees.at("base"), a, changed)) continue;
    if (runsOnlyThirdPartyImages(objects.get(a)!)) {
      thirdParty.push(`${a.object.kind} ${a.object.name}`);
      continue;
    }
    // A workload for a service whose directory (with its Dockerfile or manifest) was already there deploys
    // that service; it does not add one. In a repository's first manifests, the root app counts too.
    const unit = (await isBare("base"))
      ? await existingUnit(ctx, "base", await trees.at("base"), a.object.name)
      : serviceDirectoryOf(await trees.at("base"), a.object.name);
    if (unit !== undefined) {
      deployed.push(`${a.object.kind} ${a.object.name} (${unit})`);
      continue;
    }
    out.added.push({ file: a.file.path, line: a.object.line, reason: `adds ${a.object.kind} ${a.object.name} in ${a.file.path}` });
  }
  for (const v of vanished) {
    if (renamed.has(v)) continue;
    if (await definedElsewhere(ctx, "head", await trees.at("head"), v, changed)) continue;
    if (runsOnlyThirdPartyImages(objects.get(v)!)) {
      thirdParty.push(`${v.object.kind} ${v.object.name}`);
      continue;
    }
    if (await isBare("head")) {
      const unit = await existingUnit(ctx, "head", await trees.at("head"), v.object.name);
      if (unit !== undefined) {
        undeployed.push(`${v.object.kind} ${v.object.name} (${unit})`);
        continue;
      }
    }
    out.retired.push({ file: v.file.path, reason: `removes ${v.object.kind} ${v.object.name} from ${v.path}` });
  }
  if (thirdParty.length > 0)
    ctx.note(
      `new-service/service-retirement: workloads that only run third-party images are infrastructure, not services of their own: ${thirdParty.join(", ")}`,
    );
  if (deployed.length > 0) ctx.note(`new-service: new Kubernetes workloads deploy units that already existed: ${deployed.join(", ")}`);
  if (undeployed.length > 0)
    ctx.note(`service-retirement: the repository's last Kubernetes manifests were removed, the units stay: ${undeployed.join(", ")}`);
}

/** Looks for a workload of the same name in unchanged manifests that share the file name or mention the name in their path. */
async function definedElsewhere(ctx: ReviewView, side: Side, index: PathIndex, located: Located, changed: Set<string>): Promise<boolean> {
  const name = located.object.name;
  const fileName = basename(located.path);
  let checked = 0;
  for (const path of index.files) {
    if (checked >= 40) break;
    if (changed.has(path) || !/\.(ya?ml|json)$/.test(path)) continue;
    if (basename(path) !== fileName && !path.split(/[/._-]/).includes(name) && !path.includes(`/${name}/`) && !basename(path).startsWith(`${name}.`))
      continue;
    checked++;
    if ((await workloadHeaders(ctx, side, path)).some((o) => o.name === name)) return true;
  }
  return false;
}

// ---------------------------------------------------------------- compose services

function resolve(base: string, relative: string): string {
  const parts = base === "" ? [] : base.split("/");
  for (const part of relative.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

async function composeIn(ctx: ReviewView, side: Side, path: string): Promise<ComposeService[]> {
  const parsed = await structuredIf(ctx, side, path, (t) => /^services\s*:/m.test(t));
  return parsed ? composeServices(parsed.parsed) : [];
}

async function compose(ctx: ReviewView, files: ChangedFile[], trees: Trees, out: DeployableHits): Promise<void> {
  for (const file of files.filter((f) => isComposeFile(f.path))) {
    const head = file.status === "removed" ? [] : await composeIn(ctx, "head", file.path);
    const base = file.status === "added" || file.status === "copied" ? [] : await composeIn(ctx, "base", pathAt(file, "base"));
    // Built from this repository and new by name: switching an existing service between image and build is neither.
    let appeared = head.filter((s) => s.build !== undefined && !base.some((b) => b.name === s.name));
    let vanished = base.filter((s) => s.build !== undefined && !head.some((h) => h.name === s.name));
    // Renamed service: same build context out and in.
    const renamedContexts = new Set(appeared.map((a) => a.build).filter((b) => vanished.some((v) => v.build === b)));
    appeared = appeared.filter((a) => !renamedContexts.has(a.build));
    vanished = vanished.filter((v) => !renamedContexts.has(v.build));
    const dir = dirname(file.path);
    // The unit's own directory: the Dockerfile's when the service names one inside a shared context.
    const unitDir = (service: ComposeService) => {
      const context = resolve(dir, service.build!);
      return service.dockerfile ? dirname(resolve(context, service.dockerfile)) : context;
    };
    const source = (service: ComposeService) => (service.dockerfile ? `${service.build}, ${service.dockerfile}` : service.build);
    for (const service of appeared) {
      // A new compose file that lists services built from existing directories adds no new service.
      if (file.status !== "modified" && file.status !== "renamed" && (await trees.at("base")).hasDir(unitDir(service))) continue;
      out.added.push({
        file: file.path,
        line: service.line,
        reason: `adds compose service ${service.name} (built from ${source(service)}) in ${file.path}`,
      });
    }
    for (const service of vanished) {
      if (file.status === "removed" && (await trees.at("head")).hasDir(unitDir(service))) continue;
      out.retired.push({
        file: file.path,
        reason: `removes compose service ${service.name} (built from ${source(service)}) from ${pathAt(file, "base")}`,
      });
    }
  }
}

// ---------------------------------------------------------------- Helm charts

async function chartInfo(ctx: ReviewView, side: Side, path: string): Promise<{ name: string; library: boolean } | undefined> {
  const parsed = await structuredIf(ctx, side, path, () => true);
  const value = parsed?.parsed.docs[0]?.value;
  if (!isRecord(value)) return undefined;
  return { name: typeof value.name === "string" ? value.name : basename(dirname(path)), library: value.type === "library" };
}

async function helmCharts(ctx: ReviewView, files: ChangedFile[], trees: Trees, out: DeployableHits): Promise<void> {
  const isChart = (p: string) => /^Chart\.ya?ml$/.test(basename(p)) && !/\/charts\/[^/]+\/charts\//.test(`/${p}`);
  const added = files.filter((f) => (f.status === "added" || f.status === "copied") && isChart(f.path));
  const removed = files.filter((f) => f.status === "removed" && isChart(f.path));
  if (added.length === 0 && removed.length === 0) return;
  const addedInfo = await Promise.all(added.map((f) => chartInfo(ctx, "head", f.path)));
  const removedInfo = await Promise.all(removed.map((f) => chartInfo(ctx, "base", f.path)));
  const base = await trees.at("base");
  const head = await trees.at("head");
  added.forEach((file, i) => {
    const info = addedInfo[i];
    if (info?.library) return;
    if (base.namesIn(dirname(file.path)).some((n) => /^Chart\.ya?ml$/.test(n))) return;
    if (info && removedInfo.some((r) => r?.name === info.name)) return; // moved chart
    out.added.push({ file: file.path, reason: `adds Helm chart ${info?.name ?? dirname(file.path)} in ${dirname(file.path)}` });
  });
  removed.forEach((file, i) => {
    const info = removedInfo[i];
    if (info?.library) return;
    if (head.namesIn(dirname(file.path)).some((n) => /^Chart\.ya?ml$/.test(n))) return;
    if (info && addedInfo.some((a) => a?.name === info.name)) return;
    out.retired.push({ file: file.path, reason: `removes Helm chart ${info?.name ?? dirname(file.path)} from ${dirname(file.path)}` });
  });
}

// ---------------------------------------------------------------- gitops releases

/**
 * Objects by which a gitops repository deploys a component: adding one deploys something new to the
 * cluster, removing it undeploys it, whatever runs inside (the component is often a third-party chart).
 */
function isGitopsRelease(object: Pick<KubernetesObjectHeader, "kind" | "apiVersion">): boolean {
  const group = object.apiVersion.split("/")[0]!;
  if (object.kind === "HelmRelease") return group === "helm.toolkit.fluxcd.io";
  if (object.kind === "Kustomization") return group === "kustomize.toolkit.fluxcd.io";
  if (object.kind === "Application" || object.kind === "ApplicationSet") return group === "argoproj.io";
  return false;
}

/** A full release definition (what it deploys and from where), not a Kustomize patch of one. */
function definesRelease(object: KubernetesObject): boolean {
  const spec = isRecord(object.value.spec) ? object.value.spec : undefined;
  if (!spec) return false;
  if (object.kind === "HelmRelease") return isRecord(spec.chart) || isRecord(spec.chartRef);
  if (object.kind === "Kustomization") return isRecord(spec.sourceRef);
  if (object.kind === "Application") return isRecord(spec.source) || Array.isArray(spec.sources);
  return isRecord(spec.template);
}

const CRDS = /(^|[-_./])crds?($|[-_./])/i;

/**
 * A release that installs CustomResourceDefinitions only (`crds-cloudnative-pg`, a `prometheus-operator-crds` chart,
 * a Kustomization of `./crds`): API types for a component, not a component that runs (as for Kustomize CRD bundles).
 */
function installsOnlyDefinitions(object: KubernetesObject): boolean {
  if (CRDS.test(object.name)) return true;
  const spec = isRecord(object.value.spec) ? object.value.spec : {};
  const chart = isRecord(spec.chart) && isRecord(spec.chart.spec) ? spec.chart.spec.chart : undefined;
  if (object.kind === "HelmRelease" && typeof chart === "string" && CRDS.test(chart)) return true;
  return object.kind === "Kustomization" && typeof spec.path === "string" && CRDS.test(spec.path);
}

async function releaseHeaders(ctx: ReviewView, side: Side, path: string): Promise<KubernetesObjectHeader[]> {
  return (await manifestHeaders(ctx, side, path)).filter((o) => isGitopsRelease(o) && o.name !== "" && !o.name.includes("{{"));
}

async function fullRelease(ctx: ReviewView, located: Located): Promise<KubernetesObject | undefined> {
  const parsed = await ctx.structured(located.side, located.path);
  if (!parsed) return undefined;
  return kubernetesObjects(parsed).find((o) => o.name === located.object.name && o.kind === located.object.kind && definesRelease(o));
}

/**
 * Flux HelmReleases and Kustomizations, Argo CD Applications and ApplicationSets that appear or
 * disappear: a release name (per kind) defined at one side and nowhere at the other. Renamed or moved
 * files keep their releases; a release renamed in place (one name out, one in, same file) is neither;
 * overlay patches that only name a release define none.
 */
async function gitopsReleases(ctx: ReviewView, files: ChangedFile[], trees: Trees, out: DeployableHits): Promise<void> {
  const yaml = files.filter((f) => /^ya?ml$/.test(extension(f.path)) && !isComposeFile(f.path) && !isCatalogPath(f.path));
  const { atHead, atBase } = await locateObjects(ctx, yaml, releaseHeaders);
  if (atHead.length === 0 && atBase.length === 0) return;
  const id = (l: Located) => `${l.object.kind} ${l.object.name}`;
  const headIds = new Set(atHead.map(id));
  const baseIds = new Set(atBase.map(id));
  const appeared: Located[] = [];
  const vanished: Located[] = [];
  const definitionsOnly = new Set<Located>();
  for (const [located, others, into] of [
    [atHead, baseIds, appeared],
    [atBase, headIds, vanished],
  ] as const) {
    const seen = new Set<string>();
    for (const l of located) {
      if (others.has(id(l)) || seen.has(id(l))) continue;
      const release = await fullRelease(ctx, l);
      if (!release) continue;
      // Kept for the rename pairing below (a CRD release renamed to an app's in place is no new app), never reported.
      if (installsOnlyDefinitions(release)) definitionsOnly.add(l);
      seen.add(id(l));
      into.push(l);
    }
  }
  const renamed = renamedInPlace(appeared, vanished);
  // A chart template that generates releases from values (`name: {{ .name }}` in a range) may still
  // deploy the ones no longer written out: what it renders is not known here.
  const generated = new Set<string>();
  for (const file of yaml) {
    if (file.status === "removed") continue;
    for (const object of await manifestHeaders(ctx, "head", file.path))
      if (isGitopsRelease(object) && object.name.includes("{{")) generated.add(`${dirname(file.path)}\0${object.kind}`);
  }
  const changed = new Set(files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path])));
  for (const a of appeared) {
    if (renamed.has(a) || definitionsOnly.has(a) || (await releaseElsewhere(ctx, "base", await trees.at("base"), a, changed))) continue;
    out.added.push({ file: a.file.path, line: a.object.line, reason: `adds ${releaseLabel(a.object)} ${a.object.name} in ${a.file.path}` });
  }
  for (const v of vanished) {
    if (generated.has(`${dirname(v.path)}\0${v.object.kind}`)) {
      ctx.note(
        `service-retirement: ${releaseLabel(v.object)} ${v.object.name} is no longer written out in ${v.path}, but a template beside it generates releases of that kind from values; not counted`,
      );
      continue;
    }
    if (renamed.has(v) || definitionsOnly.has(v) || (await releaseElsewhere(ctx, "head", await trees.at("head"), v, changed))) continue;
    out.retired.push({ file: v.file.path, reason: `removes ${releaseLabel(v.object)} ${v.object.name} from ${v.path}` });
  }
}

function releaseLabel(object: Pick<KubernetesObjectHeader, "kind" | "apiVersion">): string {
  return object.apiVersion.startsWith("argoproj.io/") ? `Argo CD ${object.kind}` : `Flux ${object.kind}`;
}

/** A release of the same kind and name in unchanged YAML whose path mentions the name or shares the file name. */
async function releaseElsewhere(ctx: ReviewView, side: Side, index: PathIndex, located: Located, changed: Set<string>): Promise<boolean> {
  const name = located.object.name;
  const fileName = basename(located.path);
  let checked = 0;
  for (const path of index.files) {
    if (checked >= 40) break;
    if (changed.has(path) || !/\.ya?ml$/.test(path)) continue;
    if (basename(path) !== fileName && !path.split(/[/._-]/).includes(name) && !path.includes(`/${name}/`)) continue;
    checked++;
    if ((await releaseHeaders(ctx, side, path)).some((o) => o.name === name && o.kind === located.object.kind)) return true;
  }
  return false;
}

// ---------------------------------------------------------------- releases generated from chart values (app of apps)

/** A chart template that writes one release per entry of a values list: `{{- range .Values.applications }}` around `kind: Application`. */
const RANGE_VALUES = /\{\{-?\s*range\s+(?:\$\w+\s*(?:,\s*\$\w+\s*)?:=\s*)?\.Values\.([\w.]+)\s*-?\}\}/g;

interface GeneratedEntry {
  name: string;
  line: number;
  label: string;
  key: string;
}

/** The values lists a chart's templates generate gitops releases from, with the release kind each one makes. */
async function generatingLists(ctx: ReviewView, side: Side, index: PathIndex, chartDir: string): Promise<Map<string, string>> {
  const lists = new Map<string, string>();
  for (const path of index.filesIn(`${chartDir}/templates`)) {
    if (!/\.ya?ml$|\.tpl$/.test(path)) continue;
    const text = await ctx.text(side, path);
    if (!text || !/\brange\b/.test(text)) continue;
    const kind =
      /^\s*apiVersion:\s*(argoproj\.io\/\S+|helm\.toolkit\.fluxcd\.io\/\S+|kustomize\.toolkit\.fluxcd\.io\/\S+)\s*\n\s*kind:\s*(Application|ApplicationSet|HelmRelease|Kustomization)\b/m.exec(
        text,
      );
    if (!kind || !isGitopsRelease({ apiVersion: kind[1]!, kind: kind[2]! })) continue;
    for (const m of text.matchAll(RANGE_VALUES)) lists.set(m[1]!, releaseLabel({ apiVersion: kind[1]!, kind: kind[2]! }));
  }
  return lists;
}

/** The entries of the values lists (by `name`, or the entry itself when it is a string), with their lines. */
async function generatedEntries(ctx: ReviewView, side: Side, valuesPath: string, lists: Map<string, string>): Promise<GeneratedEntry[]> {
  const parsed = await ctx.structured(side, valuesPath);
  const doc = parsed?.docs[0];
  if (!doc) return [];
  const out: GeneratedEntry[] = [];
  for (const [key, label] of lists) {
    const path = key.split(".");
    let value: unknown = doc.value;
    for (const k of path) value = isRecord(value) ? value[k] : undefined;
    if (!Array.isArray(value)) continue;
    value.forEach((entry, i) => {
      const name = typeof entry === "string" ? entry : isRecord(entry) && typeof entry.name === "string" ? entry.name : undefined;
      if (name) out.push({ name, line: doc.lineOf([...path, i]), label, key });
    });
  }
  return out;
}

/**
 * Releases an app-of-apps chart generates from a values list (`applications: [{name: guestbook}, ...]` ranged over
 * by a template that writes an Argo CD Application or a Flux HelmRelease per entry): an entry added deploys a new
 * component, an entry removed undeploys one. Entries are compared by name with the list at the other side and with
 * the releases the chart wrote out one by one there (a chart that moves to a generated list keeps its apps).
 */
async function generatedReleases(ctx: ReviewView, files: ChangedFile[], trees: Trees, out: DeployableHits): Promise<void> {
  const charts = new Set<string>();
  for (const f of files) {
    for (const path of f.previousPath ? [f.path, f.previousPath] : [f.path]) {
      const dir = dirname(path);
      if (/^values\.ya?ml$/.test(basename(path))) charts.add(dir);
      else if (basename(dir) === "templates" && /\.ya?ml$|\.tpl$/.test(path)) charts.add(dirname(dir));
    }
  }
  if (charts.size === 0) return;
  for (const chartDir of charts) {
    const sides = {} as Record<Side, { entries: GeneratedEntry[]; written: Set<string>; values?: string }>;
    for (const side of ["base", "head"] as const) {
      const index = await trees.at(side);
      const chartFile = index.namesIn(chartDir).find((n) => /^Chart\.ya?ml$/.test(n));
      const valuesName = index.namesIn(chartDir).find((n) => /^values\.ya?ml$/.test(n));
      sides[side] = { entries: [], written: new Set() };
      if (!chartFile || !valuesName) continue;
      const lists = await generatingLists(ctx, side, index, chartDir);
      const valuesPath = chartDir === "" ? valuesName : `${chartDir}/${valuesName}`;
      sides[side].values = valuesPath;
      if (lists.size > 0) sides[side].entries = await generatedEntries(ctx, side, valuesPath, lists);
      for (const path of index.filesIn(`${chartDir}/templates`))
        if (/\.ya?ml$/.test(path)) for (const o of await releaseHeaders(ctx, side, path)) sides[side].written.add(o.name);
    }
    const { base, head } = sides;
    if (head.entries.length === 0 && base.entries.length === 0) continue;
    const baseNames = new Set([...base.entries.map((e) => e.name), ...base.written]);
    const headNames = new Set([...head.entries.map((e) => e.name), ...head.written]);
    for (const e of head.entries)
      if (!baseNames.has(e.name))
        out.added.push({ file: head.values!, line: e.line, reason: `adds ${e.label} ${e.name} (generated from ${e.key} in ${head.values})` });
    for (const e of base.entries)
      if (!headNames.has(e.name))
        out.retired.push({ file: base.values!, reason: `removes ${e.label} ${e.name} (generated from ${e.key} in ${base.values})` });
  }
}

// ---------------------------------------------------------------- Kustomize apps deployed from remote sources

interface KustomizeUnit {
  path: string;
  dir: string;
  /** The app's directory (`…/<app>` for `…/<app>/app/kustomization.yaml`) and name. */
  appDir: string;
  name: string;
  sources: KustomizeSource[];
}

/** Directory names that say where in an app its manifests sit, not which app it is. */
const GENERIC_DIRS = /^(app|apps|base|bases|deploy|deployment|manifests?|kustomize|k8s|install|overlays?|config)$/i;
const ENVIRONMENT_PARENTS = /^(overlays?|envs?|environments?)$/i;

/** The directory of the app a kustomization deploys: its own, or its parent's for `…/<app>/app`, `…/<app>/overlays/prod`. */
function kustomizeAppDir(dir: string): string {
  for (let d = dir; d !== ""; d = dirname(d)) if (!GENERIC_DIRS.test(basename(d)) && !ENVIRONMENT_PARENTS.test(basename(dirname(d)))) return d;
  return dir;
}

/** A kustomization (not a Component) at `side` with the remote sources it deploys, or undefined. */
async function kustomizeUnit(ctx: ReviewView, side: Side, path: string): Promise<KustomizeUnit | undefined> {
  const parsed = await structuredIf(ctx, side, path, (t) => /^\s*(resources|bases|helmCharts)\s*:/m.test(t));
  const doc = parsed?.parsed.docs[0];
  const file = doc ? kustomizeFile(doc) : undefined;
  if (!file || file.kind === "Component" || file.sources.length === 0) return undefined;
  const dir = dirname(path);
  const appDir = kustomizeAppDir(dir);
  return { path, dir, appDir, name: basename(appDir), sources: file.sources };
}

/**
 * True when `side` still (or already) deploys the app: a kustomization among `paths` (the changed ones) pulls one of
 * its origins, or YAML under a directory named like the app holds a gitops release, a service workload or a
 * kustomization with remote sources (the app moved, or is deployed another way). Reads at most 40 files besides `paths`.
 */
async function kustomizeAppAt(ctx: ReviewView, side: Side, index: PathIndex, unit: KustomizeUnit, paths: string[]): Promise<boolean> {
  const origins = new Set(unit.sources.map((s) => s.origin));
  for (const path of paths) if ((await kustomizeUnit(ctx, side, path))?.sources.some((s) => origins.has(s.origin))) return true;
  let read = 0;
  for (const path of index.files) {
    if (read >= 40) break;
    if (!/\.ya?ml$/.test(path) || !path.split("/").slice(0, -1).includes(unit.name) || isNoise(path)) continue;
    read++;
    if (isKustomizationPath(path)) {
      if (await kustomizeUnit(ctx, side, path)) return true;
      continue;
    }
    if ((await manifestHeaders(ctx, side, path)).some((o) => isGitopsRelease(o) || isServiceWorkload(o))) return true;
  }
  return false;
}

/** A hit of the opposite kind whose path names the app: the app is deployed another way (remote manifests replaced by a vendored Deployment). */
function replacedBy(unit: KustomizeUnit, opposite: readonly TriggerHit[]): boolean {
  const wanted = unitName(unit.name);
  return opposite.some((h) =>
    h.file
      .split("/")
      .slice(0, -1)
      .some((segment) => {
        const n = unitName(segment);
        return n !== "" && (n === wanted || n.startsWith(wanted) || wanted.startsWith(n));
      }),
  );
}

/**
 * Kustomizations that deploy a component from outside the repository (remote `resources`, `helmCharts`) added with
 * a new app directory (a new app) or removed with it (an app undeployed). Not counted: an app the other side still
 * deploys (a move, another environment or cluster of the same app, a switch to a HelmRelease or vendored manifests),
 * an app whose own gitops release or workload is already reported, Kustomize Components (mixins included by apps),
 * CRD bundles and dashboards, and local resources (their objects are judged on their own).
 */
async function kustomizeApps(ctx: ReviewView, files: ChangedFile[], trees: Trees, out: DeployableHits): Promise<void> {
  const added = files.filter((f) => (f.status === "added" || f.status === "copied") && isKustomizationPath(f.path));
  const removed = files.filter((f) => f.status === "removed" && isKustomizationPath(f.path));
  if (added.length === 0 && removed.length === 0) return;
  const changedAt = (side: Side) =>
    files
      .filter(
        (f) => isKustomizationPath(pathAt(f, side)) && (side === "base" ? f.status !== "added" && f.status !== "copied" : f.status !== "removed"),
      )
      .map((f) => pathAt(f, side));
  for (const [list, side, other] of [
    [added, "head", "base"],
    [removed, "base", "head"],
  ] as const) {
    const hits = side === "head" ? out.added : out.retired;
    const opposite = side === "head" ? out.retired : out.added;
    for (const file of list) {
      const unit = await kustomizeUnit(ctx, side, file.path);
      if (!unit) continue;
      const otherIndex = await trees.at(other);
      if (otherIndex.hasDir(unit.appDir)) continue;
      // The app's gitops release or workload, added or removed beside it, already stands for it.
      if (unit.appDir !== "" && hits.some((h) => isUnder(h.file, unit.appDir))) continue;
      if (replacedBy(unit, opposite) || (await kustomizeAppAt(ctx, other, otherIndex, unit, changedAt(other)))) continue;
      const what = [...new Set(unit.sources.map((s) => s.origin.replace(/^helm \S* /, "Helm chart ")))].slice(0, 2).join(", ");
      if (side === "head")
        hits.push({ file: file.path, line: unit.sources[0]!.line, reason: `adds Kustomize app ${unit.name} in ${unit.dir} (deploys ${what})` });
      else hits.push({ file: file.path, reason: `removes Kustomize app ${unit.name} from ${unit.dir} (deployed ${what})` });
    }
  }
}

// ---------------------------------------------------------------- catalog components

async function componentsIn(ctx: ReviewView, side: Side, path: string): Promise<CatalogComponent[]> {
  const parsed = await structuredIf(ctx, side, path, (t) => /backstage\.io\//.test(t));
  return parsed ? catalogComponents(parsed.parsed).filter(isDeployableComponent) : [];
}

async function catalog(ctx: ReviewView, files: ChangedFile[], out: DeployableHits): Promise<void> {
  const catalogFiles = files.filter((f) => isCatalogPath(f.path) || (f.previousPath !== undefined && isCatalogPath(f.previousPath)));
  if (catalogFiles.length === 0) return;
  const head: Array<{ c: CatalogComponent; file: ChangedFile }> = [];
  const base: Array<{ c: CatalogComponent; file: ChangedFile }> = [];
  for (const file of catalogFiles) {
    if (file.status !== "removed") for (const c of await componentsIn(ctx, "head", file.path)) head.push({ c, file });
    if (file.status !== "added" && file.status !== "copied")
      for (const c of await componentsIn(ctx, "base", pathAt(file, "base"))) base.push({ c, file });
  }
  for (const { c, file } of head) {
    const before = base.find((b) => b.c.name === c.name);
    if (!before) {
      if (!isRetiredLifecycle(c.lifecycle))
        out.added.push({ file: file.path, line: c.line, reason: `adds catalog Component ${c.name} in ${file.path}` });
    } else if (isRetiredLifecycle(c.lifecycle) && !isRetiredLifecycle(before.c.lifecycle)) {
      out.retired.push({
        file: file.path,
        line: c.lifecycleLine,
        reason: `sets catalog Component ${c.name} to lifecycle ${c.lifecycle} in ${file.path}`,
      });
    }
  }
  for (const { c, file } of base) {
    if (head.some((h) => h.c.name === c.name) || isRetiredLifecycle(c.lifecycle)) continue;
    out.retired.push({ file: file.path, reason: `removes catalog Component ${c.name} from ${pathAt(file, "base")}` });
  }
}

/** One name out and one in, of the same kind within the same file: a rename in place, not a new or retired unit. */
function renamedInPlace(appeared: readonly Located[], vanished: readonly Located[]): Set<Located> {
  const renamed = new Set<Located>();
  for (const a of appeared) {
    const partner = vanished.find((v) => v.file === a.file && !renamed.has(v) && v.object.kind === a.object.kind);
    if (partner) {
      renamed.add(a);
      renamed.add(partner);
    }
  }
  return renamed;
}
