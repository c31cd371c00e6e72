import type { ChangedFile, Side } from "../engine/change.js";
import type { ReviewView, TriggerHit, TriggerModule } from "../engine/types.js";
import {
  CDK_MARKERS,
  CHART_MARKERS,
  infraKindByPath,
  isAspireAppHostText,
  isCloudFormationText,
  isManifestDirectory,
  isImmaterialAppHostEdit,
  KUSTOMIZE_MARKERS,
  PULUMI_MARKERS,
  type InfraKind,
} from "../formats/infra/kinds.js";
import { mayBeKubernetesText } from "../formats/kubernetes/objects.js";
import { manifestTuning, type Tunable, valuesTuning } from "../formats/kubernetes/tuning.js";
import { deepEqual } from "../formats/common/material.js";
import { imageName, isCommentOrDescriptionOnly, isVersionBumpOnly } from "../formats/common/noise.js";
import { dirname, extension, pathIndex, type PathIndex } from "../formats/common/paths.js";
import { materialTerraformUnits, type TerraformSource } from "../formats/terraform/units.js";
import { isRecord } from "../engine/structured.js";
import {
  changedLines,
  documentValue,
  isIgnoredByTriggers,
  manifestHeaders,
  noteUnparsable,
  pathAt,
  sideOf,
  verbOf,
} from "../formats/common/changed-files.js";

/**
 * Infrastructure change: what runs the system — Kubernetes manifests (by content: apiVersion + kind),
 * Helm charts and values, Kustomize, Terraform/OpenTofu/Terragrunt, Pulumi projects, CloudFormation/SAM
 * and CDK apps, .NET Aspire AppHost programs, Dockerfiles, compose files, gateway and mesh config (Istio and Ingress by content; Envoy,
 * Kong, nginx, Traefik, HAProxy, Caddy by name), Serverless, Nomad, Skaffold.
 * Not counted: a modification that only bumps versions, digests or the tag of the same image (Dependabot,
 * Renovate), edits only comments or descriptions, or moves a file unchanged; compose edits that leave the
 * parsed services, networks and volumes equal; Terraform edits outside resources, data sources, modules,
 * providers, locals, variable defaults and the backend (see formats/terraform/units.ts); CI pipelines,
 * which are the team's tooling (they are still classified, so other detectors can tell them apart).
 *
 * Review type `production-readiness` (`adr` with three items when every hit only scales or tunes existing
 * workloads: formats/kubernetes/tuning.ts; docs/triggers.md "Review depth"). Dimensions:
 * - `delivery-runtime`: resources, probes, rollout and rollback are the heart of an infra change;
 * - `reliability`: dependencies, overload and graceful shutdown change with the runtime;
 * - `observability`: SLO alerts and runbooks must follow what is deployed;
 * - `security-privacy`: secrets and least privilege live in this configuration;
 * - `cost-governance`: new resources need cost tags and bounded autoscaling.
 * Boundary, API and data questions are left to the triggers that see those changes.
 */
export const infraChange: TriggerModule = {
  meta: {
    id: "infra-change",
    title: "Infrastructure change",
    description: "Changes how the system is built, deployed or run (Kubernetes, Helm, Terraform, compose files, Dockerfiles, gateways).",
    reviewType: "production-readiness",
    dimensions: ["reliability", "observability", "security-privacy", "delivery-runtime", "cost-governance"],
    // Production readiness of what changes in how the system runs: rollout and rollback, resources and probes,
    // runbooks, dependencies and their degraded mode, permissions, cost tags and autoscaling bounds. Committed
    // secrets are the plaintext-secret rule's, on every change.
    checklist: [
      "runtime-rollout",
      "runtime-resources",
      "runtime-probes",
      "observability-runbook",
      "reliability-dependencies",
      "security-least-privilege",
      "cost-tags",
      "cost-autoscaling",
    ],
    // Scaling or tuning an existing workload (replicas, resources, autoscaler or disruption-budget bounds,
    // with or without an image tag): the seed's lightweight ADR review, a one-service deployment change.
    light: {
      reviewType: "adr",
      checklist: ["runtime-tuning-recorded", "runtime-rollout", "cost-autoscaling"],
      why: "only scales or tunes workloads that already exist",
    },
  },
  async detect(ctx) {
    const hits: TriggerHit[] = [];
    const bumps: string[] = [];
    const cosmetic: string[] = [];
    const moved: string[] = [];
    const renamedProjects: string[] = [];
    const pipelines: string[] = [];
    const terraform: ChangedFile[] = [];
    const candidates = ctx.files.filter((f) => !isIgnoredByTriggers(f));
    // Charts, kustomizations and Pulumi/CDK projects are known by a marker file near the changed one: list
    // the trees only when a changed file could depend on such a marker.
    const needsTree = candidates.some(
      (f) => infraKindByPath(f.path) === undefined && /^(ya?ml|json|tpl|txt|ts|js|mjs|py|go|cs|fs|java|kt|env|properties)$/.test(extension(f.path)),
    );
    const indexes: Partial<Record<Side, PathIndex>> = {};
    const indexFor = async (side: Side) => (indexes[side] ??= pathIndex(await ctx.paths(side)));
    const around = new Map<string, ReturnType<typeof markersAround>>();
    const aroundFor = async (side: Side, path: string) => {
      const key = `${side}\0${dirname(path)}`;
      let found = around.get(key);
      if (!found) around.set(key, (found = markersAround(await indexFor(side), path)));
      return found;
    };
    for (const file of candidates) {
      const side = sideOf(file);
      const path = pathAt(file, side);
      let kind: InfraKind | undefined = infraKindByPath(path);
      if (kind === undefined && needsTree) kind = infraKindByPath(path, await aroundFor(side, path));
      let detail = "";
      let line: number | undefined;
      if (kind === undefined && extension(path) === "cs" && (await isAppHostFile(ctx, file))) kind = "Aspire AppHost";
      if (kind === undefined || kind === "Kustomize") {
        const byContent = await classifyByContent(ctx, side, path);
        if (byContent) {
          kind ??= byContent.kind;
          detail = byContent.detail;
          line = byContent.line;
        }
      }
      if (kind === undefined) continue;
      // CI workflows are the team's tooling, not how the system runs (label policy), even when they deploy.
      if (kind === "CI pipeline") {
        pipelines.push(file.path);
        continue;
      }
      if (file.status === "modified" || file.status === "renamed") {
        const verdict = await immaterialEdit(ctx, file, kind);
        if (verdict === "moved") moved.push(`${file.previousPath ?? file.path} -> ${file.path}`);
        else if (verdict === "bump") bumps.push(file.path);
        else if (verdict === "cosmetic") cosmetic.push(file.path);
        else if (verdict === "same resources") renamedProjects.push(file.path);
        if (verdict !== undefined) continue;
      }
      if (isTerraformSource(file)) {
        terraform.push(file);
        continue;
      }
      const tuned = file.status === "modified" ? await tuningOf(ctx, file, kind) : undefined;
      const hit: TriggerHit = {
        file: file.path,
        reason: `${verbOf(file)} ${KIND_LABELS[kind] ?? kind} ${file.path}${detail}${tuned ? `: only ${tuned.join(", ")}` : ""}`,
      };
      if (tuned) hit.light = true;
      // Where the change starts in a modified file; where the first object is in an added one.
      if (file.status === "modified" || file.status === "renamed") line = (await changedLines(ctx, file))?.added[0]?.line;
      else if (file.status === "removed") line = undefined;
      if (line !== undefined) hit.line = line;
      hits.push(hit);
    }
    const outsideResources = await terraformHits(ctx, terraform, hits);
    if (bumps.length > 0) ctx.note(`version-only bumps were not counted as infrastructure changes: ${bumps.join(", ")}`);
    if (cosmetic.length > 0) ctx.note(`changes to comments, descriptions or formatting only were not counted: ${cosmetic.join(", ")}`);
    if (moved.length > 0) ctx.note(`files moved without changes were not counted: ${moved.join(", ")}`);
    if (renamedProjects.length > 0)
      ctx.note(
        `Aspire AppHost edits that leave the same resources (using directives, renamed project types) were not counted: ${renamedProjects.join(", ")}`,
      );
    if (outsideResources.length > 0) {
      ctx.note(
        `Terraform changes outside resources, data sources, modules, providers, locals, variable defaults and the backend (version constraints, provider metadata, outputs, variable descriptions) were not counted: ${outsideResources.join(", ")}`,
      );
    }
    if (pipelines.length > 0) ctx.note(`CI pipelines are the team's tooling and were not counted as infrastructure changes: ${pipelines.join(", ")}`);
    const order = new Map(ctx.files.map((f, i) => [f.path, i]));
    return hits.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
  },
};

/**
 * Why a modified or renamed infrastructure file changes nothing material, or undefined when it does:
 * moved as it was, only versions, digests or references to the same image bumped, only comments or
 * descriptions edited, or (compose) only the obsolete top-level `version`/`name` keys or formatting changed.
 * A renamed file is judged against its previous path.
 */
async function immaterialEdit(
  ctx: ReviewView,
  file: ChangedFile,
  kind: InfraKind,
): Promise<"moved" | "bump" | "cosmetic" | "same resources" | undefined> {
  const lines = await changedLines(ctx, file);
  if (!lines) return undefined;
  const { removed, added } = lines;
  if (removed.length === 0 && added.length === 0) return file.status === "renamed" ? "moved" : "cosmetic";
  if (isVersionBumpOnly(removed, added)) return "bump";
  if (isCommentOrDescriptionOnly(removed, added)) return "cosmetic";
  if (kind === "Compose") return composeVerdict(ctx, file);
  if (
    kind === "Aspire AppHost" &&
    isImmaterialAppHostEdit(
      removed.map((l) => l.text),
      added.map((l) => l.text),
    )
  )
    return "same resources";
  return undefined;
}

/** A C# file of an Aspire AppHost at either side (a file that stops being one still changed the AppHost). */
async function isAppHostFile(ctx: ReviewView, file: ChangedFile): Promise<boolean> {
  for (const side of file.status === "added" || file.status === "copied"
    ? (["head"] as const)
    : file.status === "removed"
      ? (["base"] as const)
      : (["head", "base"] as const)) {
    const path = pathAt(file, side);
    const text = await ctx.text(side, path);
    if (text !== undefined && isAspireAppHostText(path, text)) return true;
  }
  return false;
}

/**
 * What a modified Kubernetes manifest, Kustomize file or Helm values file tunes when it only scales or tunes
 * workloads that exist (replicas, resources, autoscaling bounds, image tags); undefined for anything else.
 */
async function tuningOf(ctx: ReviewView, file: ChangedFile, kind: InfraKind): Promise<Tunable[] | undefined> {
  const isValues = kind === "Helm" && /(^|\/)values[^/]*\.ya?ml$/.test(file.path);
  if (kind !== "Kubernetes" && kind !== "Kustomize" && !isValues) return undefined;
  const base = await ctx.structured("base", pathAt(file, "base"));
  const head = await ctx.structured("head", file.path);
  if (!base || !head) return undefined;
  return isValues ? valuesTuning(base, head) : manifestTuning(base, head);
}

/** Compose files compared as parsed data: the same services, networks, volumes, configs and secrets. */
async function composeVerdict(ctx: ReviewView, file: ChangedFile): Promise<"bump" | "cosmetic" | undefined> {
  const before = await documentValue(ctx, "base", pathAt(file, "base"));
  const after = await documentValue(ctx, "head", file.path);
  if (!before || !after || (before.parsed?.errors.length ?? 0) > 0 || (after.parsed?.errors.length ?? 0) > 0) return undefined;
  if (!isRecord(before.value) || !isRecord(after.value)) return undefined;
  if (deepEqual(composeSubstance(before.value, false), composeSubstance(after.value, false))) return "cosmetic";
  if (deepEqual(composeSubstance(before.value, true), composeSubstance(after.value, true))) return "bump";
  return undefined;
}

/**
 * A compose document without what Compose ignores or only labels: the obsolete top-level `version` and
 * the project `name`. With `maskImages`, each service's image is reduced to the image it names (its tag,
 * digest and registry are versions of it).
 */
function composeSubstance(doc: Record<string, unknown>, maskImages: boolean): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(doc).filter(([key]) => key !== "version" && key !== "name"));
  if (!maskImages || !isRecord(rest.services)) return rest;
  const services: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(rest.services)) {
    services[name] = isRecord(spec) && typeof spec.image === "string" ? { ...spec, image: imageName(spec.image) ?? spec.image } : spec;
  }
  return { ...rest, services };
}

/** `.tf`/`.tofu` files (not `.tfvars`, whose every value is an input, nor JSON syntax): judged by block. */
function isTerraformSource(file: ChangedFile): boolean {
  const paths = file.previousPath ? [file.path, file.previousPath] : [file.path];
  return paths.every((p) => /\.(tf|tofu)$/.test(p));
}

/**
 * Terraform/OpenTofu files, judged per module (directory) by the blocks they change: adds a hit for each
 * file with a changed resource, data source, module, provider, local, variable default or backend, and
 * returns the files whose changes lie elsewhere (version constraints, provider metadata, outputs…).
 * A file that cannot be read or parsed counts, as it would without this analysis.
 */
async function terraformHits(ctx: ReviewView, files: ChangedFile[], hits: TriggerHit[]): Promise<string[]> {
  const groups = new Map<string, Array<{ file: ChangedFile } & TerraformSource>>();
  const material = new Map<ChangedFile, string[]>();
  for (const file of files) {
    const sides: Side[] = file.status === "added" || file.status === "copied" ? ["head"] : file.status === "removed" ? ["base"] : ["base", "head"];
    for (const side of sides) {
      const path = pathAt(file, side);
      const text = await ctx.text(side, path);
      if (text === undefined) {
        material.set(file, []);
        continue;
      }
      const dir = dirname(path);
      let group = groups.get(dir);
      if (!group) groups.set(dir, (group = []));
      group.push({ file, side, path, text });
    }
  }
  for (const group of groups.values()) {
    const units = await materialTerraformUnits(group);
    if (!units) {
      for (const { file } of group) if (!material.has(file)) material.set(file, []);
      continue;
    }
    for (const unit of units) {
      const file = group.find((g) => g.side === unit.side && g.path === unit.path)!.file;
      const keys = material.get(file) ?? [];
      if (!keys.includes(unit.key)) keys.push(unit.key);
      material.set(file, keys);
    }
  }
  const outside: string[] = [];
  for (const file of files) {
    const keys = material.get(file);
    if (!keys) {
      outside.push(file.path);
      continue;
    }
    const label = file.path.endsWith(".tofu") ? "OpenTofu configuration" : "Terraform configuration";
    const what = keys.length === 0 ? "" : ` (${keys.slice(0, 3).join(", ")}${keys.length > 3 ? ` and ${keys.length - 3} more` : ""})`;
    const hit: TriggerHit = { file: file.path, reason: `${verbOf(file)} ${label} ${file.path}${what}` };
    if (file.status === "modified" || file.status === "renamed") {
      const line = (await changedLines(ctx, file))?.added[0]?.line;
      if (line !== undefined) hit.line = line;
    }
    hits.push(hit);
  }
  return outside;
}

/** How a hit names the file ("changes Kubernetes manifest k8s/cart.yaml (Deployment cart)"). */
const KIND_LABELS: Partial<Record<InfraKind, string>> = {
  Terraform: "Terraform configuration",
  OpenTofu: "OpenTofu configuration",
  Terragrunt: "Terragrunt configuration",
  Pulumi: "Pulumi program",
  CloudFormation: "CloudFormation template",
  "AWS CDK": "AWS CDK app",
  "Aspire AppHost": "Aspire AppHost program",
  Compose: "compose file",
  Helm: "Helm chart file",
  Helmfile: "Helmfile",
  Kustomize: "Kustomize configuration",
  Kubernetes: "Kubernetes manifest",
  Skaffold: "Skaffold configuration",
  Serverless: "Serverless configuration",
  Nomad: "Nomad job",
  Envoy: "Envoy configuration",
  Kong: "Kong configuration",
  nginx: "nginx configuration",
  Traefik: "Traefik configuration",
  HAProxy: "HAProxy configuration",
  Caddy: "Caddy configuration",
  Platform: "platform deployment file",
};

function markersAround(index: PathIndex, path: string) {
  const dir = dirname(path);
  const chartDir = index.nearestWith(dir, CHART_MARKERS);
  const kustomizeDir = index.namesIn(dir).some((n) => (KUSTOMIZE_MARKERS as readonly string[]).includes(n)) ? dir : undefined;
  const pulumiDir = index.nearestWith(dir, PULUMI_MARKERS);
  const cdkDir = index.nearestWith(dir, CDK_MARKERS);
  return { chartDir, kustomizeDir, pulumiDir, cdkDir };
}

/** Kubernetes objects and CloudFormation templates are known by what they contain, not where they are. */
async function classifyByContent(ctx: ReviewView, side: Side, path: string): Promise<{ kind: InfraKind; detail: string; line?: number } | undefined> {
  const ext = extension(path);
  if (ext !== "yaml" && ext !== "yml" && ext !== "json" && ext !== "template") return undefined;
  const text = await ctx.text(side, path);
  if (text === undefined) return undefined;
  if (isCloudFormationText(text)) return { kind: "CloudFormation", detail: "" };
  if (!mayBeKubernetesText(text)) return undefined;
  const objects = await manifestHeaders(ctx, side, path);
  if (objects.length > 0) {
    const names = objects.slice(0, 3).map((o) => (o.name ? `${o.kind} ${o.name}` : o.kind));
    const more = objects.length > 3 ? ` and ${objects.length - 3} more` : "";
    return { kind: "Kubernetes", detail: ` (${names.join(", ")}${more})`, line: objects[0]!.line };
  }
  const parsed = await ctx.structured(side, path);
  if (parsed && parsed.errors.length > 0 && /["']?apiVersion["']?\s*:/.test(text) && /["']?kind["']?\s*:/.test(text) && isManifestDirectory(path)) {
    noteUnparsable(ctx, path, parsed, "counted as a Kubernetes manifest by its apiVersion/kind keys and location");
    return { kind: "Kubernetes", detail: "" };
  }
  return undefined;
}
