import type { ChangedFile, Side } from "../engine/change.js";
import type { ReviewContext } from "../engine/context.js";
import {
  CDK_MARKERS,
  CHART_MARKERS,
  infraKindByPath,
  isCloudFormationText,
  isManifestDirectory,
  KUSTOMIZE_MARKERS,
  PULUMI_MARKERS,
  type InfraKind,
} from "../engine/kinds/infra.js";
import { mayBeKubernetesText } from "../engine/kinds/kubernetes.js";
import { isCommentOrDescriptionOnly, isVersionBumpOnly } from "../engine/kinds/noise.js";
import { dirname, extension, pathIndex, type PathIndex } from "../engine/kinds/paths.js";
import type { TriggerHit, TriggerModule } from "../engine/types.js";
import { isIgnoredByTriggers, manifestHeaders, noteUnparsable, pathAt, sideOf, verbOf } from "./support.js";

/**
 * Infrastructure change: what runs the system — Kubernetes manifests (by content: apiVersion + kind),
 * Helm charts and values, Kustomize, Terraform/OpenTofu/Terragrunt, Pulumi projects, CloudFormation/SAM
 * and CDK apps, Dockerfiles, compose files, CI/CD pipelines, gateway and mesh config (Istio and
 * Ingress by content; Envoy, Kong, nginx, Traefik, HAProxy, Caddy by name), Serverless, Nomad, Skaffold.
 * A modification that only bumps versions or digests (Dependabot, Renovate) does not count.
 *
 * Review type `production-readiness`. Dimensions:
 * - `delivery-runtime`: resources, probes, rollout and rollback are the heart of an infra change;
 * - `reliability`: dependencies, overload and graceful shutdown change with the runtime;
 * - `observability`: SLO alerts and runbooks must follow what is deployed;
 * - `security-privacy`: secrets and least privilege live in this configuration;
 * - `cost-governance`: new resources need cost tags and bounded autoscaling.
 * Boundary, API and data questions are left to the triggers that see those changes.
 */
export const infraChange: TriggerModule = {
  id: "infra-change",
  title: "Infrastructure change",
  description: "Changes how the system is built, deployed or run (Kubernetes, Helm, Terraform, Dockerfiles, CI pipelines, gateways).",
  reviewType: "production-readiness",
  dimensions: ["reliability", "observability", "security-privacy", "delivery-runtime", "cost-governance"],
  async detect(ctx) {
    const hits: TriggerHit[] = [];
    const bumps: string[] = [];
    const cosmetic: string[] = [];
    const pipelines: string[] = [];
    const candidates = ctx.files.filter((f) => !isIgnoredByTriggers(f));
    // Charts, kustomizations and Pulumi/CDK projects are known by a marker file near the changed one: list
    // the trees only when a changed file could depend on such a marker.
    const needsTree = candidates.some((f) => infraKindByPath(f.path) === undefined && /^(ya?ml|json|tpl|txt|ts|js|mjs|py|go|cs|fs|java|kt|env|properties)$/.test(extension(f.path)));
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
      if (kind === undefined || kind === "Kustomize") {
        const byContent = await classifyByContent(ctx, side, path);
        if (byContent) {
          kind ??= byContent.kind;
          detail = byContent.detail;
          line = byContent.line;
        }
      }
      if (kind === undefined) continue;
      if (file.status === "modified" && file.patch !== undefined) {
        const removed = ctx.removedLines(file.path);
        const added = await ctx.addedLines(file.path);
        if (isVersionBumpOnly(removed, added)) {
          bumps.push(file.path);
          continue;
        }
        if (isCommentOrDescriptionOnly(removed, added)) {
          cosmetic.push(file.path);
          continue;
        }
      }
      if (kind === "CI pipeline" && !(await touchesDelivery(ctx, file))) {
        pipelines.push(file.path);
        continue;
      }
      const hit: TriggerHit = { file: file.path, reason: `${verbOf(file)} ${KIND_LABELS[kind] ?? kind} ${file.path}${detail}` };
      // Where the change starts in a modified file; where the first object is in an added one.
      if (file.status === "modified" || file.status === "renamed") line = (await ctx.addedLines(file.path))[0]?.line;
      else if (file.status === "removed") line = undefined;
      if (line !== undefined) hit.line = line;
      hits.push(hit);
    }
    if (bumps.length > 0) ctx.note(`infra-change: version-only bumps were not counted as infrastructure changes: ${bumps.join(", ")}`);
    if (cosmetic.length > 0) ctx.note(`infra-change: changes to comments or descriptions only were not counted: ${cosmetic.join(", ")}`);
    if (pipelines.length > 0) ctx.note(`infra-change: CI changes that do not touch deployment were not counted: ${pipelines.join(", ")}`);
    return hits;
  },
};

/**
 * Words of a pipeline step that builds, ships or changes an environment. Pipelines that only lint, test
 * or harden the CI itself are the team's tooling, not how the system runs.
 */
const DELIVERY = /\b(deploy\w*|release|publish|promote|rollout|rollback|environment|kubectl|helm|helmfile|kustomize|terraform|tofu|terragrunt|pulumi|cdk|sam|serverless|argocd|flux|skaffold|docker\s+(push|buildx)|build-push-action|gcloud|aws|az|eksctl|ecs|cloudformation|k8s|kubernetes|prod\w*|staging|canary)\b/i;

/** True when a CI pipeline change touches delivery (or the whole pipeline is added or removed and it deploys). */
async function touchesDelivery(ctx: ReviewContext, file: ChangedFile): Promise<boolean> {
  if (file.status === "added" || file.status === "removed" || file.status === "copied" || file.patch === undefined) {
    const text = await ctx.text(sideOf(file), pathAt(file, sideOf(file)));
    return text === undefined || text.split("\n").some((l) => DELIVERY.test(withoutComment(l)));
  }
  const lines = [...ctx.removedLines(file.path), ...(await ctx.addedLines(file.path))];
  return lines.some((l) => DELIVERY.test(withoutComment(l.text)));
}

/** A pipeline line without its YAML (`#`) or Groovy (`//`) comment. */
function withoutComment(line: string): string {
  return line.replace(/^\s*(#|\/\/).*$/, "").replace(/\s#.*$/, "");
}

/** How a hit names the file ("changes Kubernetes manifest k8s/cart.yaml (Deployment cart)"). */
const KIND_LABELS: Partial<Record<InfraKind, string>> = {
  Terraform: "Terraform configuration",
  OpenTofu: "OpenTofu configuration",
  Terragrunt: "Terragrunt configuration",
  Pulumi: "Pulumi program",
  CloudFormation: "CloudFormation template",
  "AWS CDK": "AWS CDK app",
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
async function classifyByContent(
  ctx: ReviewContext,
  side: Side,
  path: string,
): Promise<{ kind: InfraKind; detail: string; line?: number } | undefined> {
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
