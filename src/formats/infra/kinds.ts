/**
 * Infrastructure and delivery files: what runs the system rather than what the system does. Path
 * conventions first; `infraKindByPath` answers without reading anything. YAML/JSON whose role only
 * its content reveals (Kubernetes manifests, CloudFormation) is classified by the caller from content.
 */
import { basename, dirname, extension, segments } from "../common/paths.js";

export type InfraKind =
  | "Terraform"
  | "OpenTofu"
  | "Terragrunt"
  | "Pulumi"
  | "CloudFormation"
  | "AWS CDK"
  | "Aspire AppHost"
  | "Dockerfile"
  | "Compose"
  | "CI pipeline"
  | "Helm"
  | "Helmfile"
  | "Kustomize"
  | "Kubernetes"
  | "Skaffold"
  | "Serverless"
  | "Nomad"
  | "Envoy"
  | "Kong"
  | "nginx"
  | "Traefik"
  | "HAProxy"
  | "Caddy"
  | "Platform";

const CI_FILES = new Set([
  ".gitlab-ci.yml",
  ".gitlab-ci.yaml",
  ".travis.yml",
  ".drone.yml",
  ".drone.yaml",
  "bitbucket-pipelines.yml",
  "appveyor.yml",
  ".appveyor.yml",
  "cloudbuild.yaml",
  "cloudbuild.yml",
  "buildspec.yml",
  "buildspec.yaml",
  ".woodpecker.yml",
  "codefresh.yml",
  "wercker.yml",
  "cirrus.yml",
  ".cirrus.yml",
]);

export function isDockerfile(path: string): boolean {
  const name = basename(path);
  return /^(Dockerfile|Containerfile)([._-][\w.-]*)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}

/**
 * Compose files: compose.yaml, docker-compose.yml and their variants (compose.prod.yaml,
 * docker-compose.override.yml), and prefixed names (podman-compose.yml, app-compose.yaml,
 * prod.docker-compose.yml).
 */
export function isComposeFile(path: string): boolean {
  const name = basename(path);
  return /^(docker-)?compose([._-][\w.-]*)?\.ya?ml$/i.test(name) || /^[\w.-]*[\w][._-](docker-)?compose([._-][\w.-]*)?\.ya?ml$/i.test(name);
}

const CI_DIRS = /(^|\/)(\.circleci|\.buildkite|\.azure-pipelines|\.tekton|\.woodpecker)\//;

/** A file of a GitHub Action defined in the repository (`.github/actions/<name>/...`). */
export function isCiActionPath(path: string): boolean {
  return path.startsWith(".github/actions/");
}

export function isCiPipeline(path: string): boolean {
  const name = basename(path);
  const lower = name.toLowerCase();
  const yaml = /\.ya?ml$/i.test(name);
  if (yaml && path.startsWith(".github/workflows/")) return true;
  // A repository's own GitHub Actions (action.yml and the Dockerfile, scripts and package a container or
  // JavaScript action is built from) run in CI, not in production.
  if (isCiActionPath(path)) return true;
  if (CI_FILES.has(lower)) return true;
  if (/^jenkinsfile([._-][\w.-]*)?$/i.test(name) || lower.endsWith(".jenkinsfile")) return true;
  if (/^azure-pipelines([._-][\w.-]*)?\.ya?ml$/i.test(name)) return true;
  if (yaml && CI_DIRS.test(path)) return true;
  if (yaml && path.startsWith(".gitlab/ci/")) return true;
  return false;
}

const GATEWAY_NAMES: Array<[RegExp, InfraKind]> = [
  [/^envoy([._-][\w.-]*)?\.(ya?ml|json)$/i, "Envoy"],
  [/^kong([._-][\w.-]*)?\.(ya?ml|json)$/i, "Kong"],
  [/^nginx([._-][\w.-]*)?\.conf$/i, "nginx"],
  [/^traefik([._-][\w.-]*)?\.(ya?ml|toml)$/i, "Traefik"],
  [/^haproxy([._-][\w.-]*)?\.cfg$/i, "HAProxy"],
  [/^Caddyfile([._-][\w.-]*)?$/, "Caddy"],
];

/**
 * The infrastructure kind of a path when its name or place settles it, without reading the file.
 * `chartDir` is the directory of the nearest Chart.yaml above the file (if any), `kustomizeDir` the
 * nearest kustomization file's, `pulumiDir` the nearest Pulumi.yaml's and `cdkDir` the nearest cdk.json's.
 */
export function infraKindByPath(
  path: string,
  around: { chartDir?: string; kustomizeDir?: string; pulumiDir?: string; cdkDir?: string } = {},
): InfraKind | undefined {
  const name = basename(path);
  const ext = extension(path);
  if (ext === "tf" || ext === "tfvars" || name.endsWith(".tf.json") || name.endsWith(".tfvars.json")) return "Terraform";
  if (ext === "tofu" || name.endsWith(".tofu.json")) return "OpenTofu";
  if (name === "terragrunt.hcl" || name === "terragrunt.hcl.json") return "Terragrunt";
  if (isCiActionPath(path)) return "CI pipeline";
  if (isDockerfile(path)) return "Dockerfile";
  if (isComposeFile(path)) return "Compose";
  if (isCiPipeline(path)) return "CI pipeline";
  if (/^Pulumi(\.[\w-]+)?\.ya?ml$/.test(name)) return "Pulumi";
  if (name === "cdk.json") return "AWS CDK";
  if (name === "Chart.yaml" || name === "Chart.yml") return "Helm";
  if (/^helmfile(\.[\w-]+)*\.ya?ml(\.gotmpl)?$/.test(name) || /(^|\/)helmfile\.d\//.test(path)) return "Helmfile";
  if (/^kustomization\.ya?ml$/i.test(name) || name === "Kustomization") return "Kustomize";
  if (/^skaffold(\.[\w-]+)?\.ya?ml$/.test(name)) return "Skaffold";
  if (/^serverless(\.[\w-]+)?\.(ya?ml|ts|js|json)$/.test(name)) return "Serverless";
  if (ext === "nomad" || name.endsWith(".nomad.hcl")) return "Nomad";
  if (name === "fly.toml" || name === "Procfile" || name === "render.yaml" || name === "heroku.yml" || (name === "app.json" && path === name))
    return "Platform";
  for (const [pattern, kind] of GATEWAY_NAMES) if (pattern.test(name)) return kind;
  if (ext === "conf" && /(^|\/)(nginx|conf\.d)\//.test(path)) return "nginx";
  if (around.chartDir !== undefined && isInsideChart(path, around.chartDir)) return "Helm";
  if (around.kustomizeDir !== undefined && /^(ya?ml|json|env|properties)$/.test(ext)) return "Kustomize";
  if (around.pulumiDir !== undefined && isProgramFile(path)) return "Pulumi";
  if (around.cdkDir !== undefined && isProgramFile(path) && !/(^|\/)cdk\.out\//.test(path)) return "AWS CDK";
  return undefined;
}

/** Chart files: Chart.yaml, values*.yaml, templates/, crds/ and the chart's schema; not its README or tests. */
function isInsideChart(path: string, chartDir: string): boolean {
  const rest = chartDir === "" ? path : path.slice(chartDir.length + 1);
  const parts = rest.split("/");
  if (parts.length === 1) return /^values([._-][\w.-]*)?\.(ya?ml|json)$/.test(parts[0]!) || parts[0] === "values.schema.json";
  return parts[0] === "templates" || parts[0] === "crds";
}

function isProgramFile(path: string): boolean {
  return /^(ts|js|mjs|py|go|cs|fs|java|kt|yaml|yml)$/.test(extension(path));
}

/** Names a file must sit next to (or below) for its directory to be of that kind. */
export const CHART_MARKERS = ["Chart.yaml", "Chart.yml"] as const;
export const KUSTOMIZE_MARKERS = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;
export const PULUMI_MARKERS = ["Pulumi.yaml", "Pulumi.yml"] as const;
export const CDK_MARKERS = ["cdk.json"] as const;

/**
 * A C# file of a .NET Aspire AppHost: the program that declares the distributed application's projects, containers
 * and cloud resources (`DistributedApplication.CreateBuilder(args)`, extensions of `IDistributedApplicationBuilder`),
 * from which `azd`/`aspire publish` derive the deployment. Hosting-integration libraries written against the same
 * types are rare in application repositories; tests use `DistributedApplicationTestingBuilder` instead.
 */
export function isAspireAppHostText(path: string, text: string): boolean {
  return extension(path) === "cs" && /\bDistributedApplication\s*\.\s*CreateBuilder\s*\(|\bIDistributedApplicationBuilder\b/.test(text);
}

/**
 * Changed lines of an AppHost that leave its resources as they were: only `using` directives, or only the project
 * types its resources build renamed (`AddProject<Projects.Payment_API>("payment-processor")` →
 * `AddProject<Projects.PaymentProcessor>("payment-processor")`: the same resources, renamed projects).
 */
export function isImmaterialAppHostEdit(removed: readonly string[], added: readonly string[]): boolean {
  const norm = (lines: readonly string[]) =>
    lines
      .map((l) =>
        l
          .replace(/^\uFEFF/, "")
          .replace(/^\s*(global\s+)?using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>]+)?\s*;\s*$/, "")
          .replace(/\bAddProject\s*<\s*[\w.]+\s*>/g, "AddProject<>")
          .trim(),
      )
      .filter((l) => l !== "")
      .sort();
  const a = norm(removed);
  const b = norm(added);
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/** Cheap text check for CloudFormation/SAM templates. */
export function isCloudFormationText(text: string): boolean {
  return (
    /AWSTemplateFormatVersion/.test(text) ||
    /^Transform\s*:\s*['"]?AWS::Serverless/m.test(text) ||
    (/^Resources\s*:/m.test(text) && /Type\s*:\s*['"]?AWS::/.test(text)) ||
    /"Type"\s*:\s*"AWS::[\w:]+"/.test(text)
  );
}

/** Directory names under which YAML is conventionally a Kubernetes manifest (used when the YAML does not parse). */
export function isManifestDirectory(path: string): boolean {
  return segments(dirname(path)).some((d) =>
    /^(k8s|kubernetes|kube|manifests?|deploy|deployments?|kustomize|overlays|helm|charts|argocd|flux|gitops|clusters)$/i.test(d),
  );
}
