import { minimatch } from "minimatch";
import { z } from "zod";
import { defineRule, type RuleContext } from "../engine/types.js";
import { isRecord } from "../engine/structured.js";
import { parseTerraform, providerOf, resourceTags, TAGGABLE_TYPES, tagAttributeName, type TerraformFile } from "../formats/terraform/resources.js";
import { TerraformParseError } from "../formats/terraform/hcl.js";
import { changedWorkloads, describeWorkload } from "../formats/kubernetes/changed-workloads.js";
import { isOpaque, OPAQUE_PART, resolveValue } from "../formats/kubernetes/values.js";
import { k8sIndex, type Workload } from "../formats/kubernetes/workloads.js";
import { dirname } from "../formats/common/paths.js";

const key = z.string().min(1);

const options = z
  .object({
    /**
     * Label keys every new Kubernetes workload carries (on its pod template or the workload itself),
     * e.g. [team, cost-center]. Empty (the default) keeps the rule quiet: only the repository knows
     * which keys its cost reports group by.
     */
    labels: z
      .array(key)
      .default([])
      .describe("Label keys every new Kubernetes workload carries, e.g. [team, cost-center]; empty keeps the rule quiet."),
    /** Tag keys every new Terraform resource carries; defaults to `labels` when not given. */
    tags: z.array(key).optional().describe("Tag keys every new Terraform resource carries; `labels` when not given."),
    /** More Terraform resource types (globs, e.g. "aws_sagemaker_*") to judge beyond the built-in list. */
    resourceTypes: z
      .array(key)
      .default([])
      .describe("More Terraform resource types (globs, e.g. `aws_sagemaker_*`) to judge beyond the built-in list."),
    /** Upper bound on .tf files read for provider default tags. */
    maxTerraformFiles: z.number().int().positive().default(2000).describe("Upper bound on .tf files read for provider default tags."),
  })
  .strict();

type Options = z.output<typeof options>;

const messages = {
  workloadWithoutLabels: "new {{workload}} has no cost-allocation label {{missing}}",
  resourceWithoutTags: "new {{resource}} has no cost-allocation tag {{missing}}",
  resourceWithoutLabels: "new {{resource}} has no cost-allocation label {{missing}}",
};
type Context = RuleContext<Options, keyof typeof messages>;

export const costAllocationTags = defineRule({
  meta: {
    id: "cost-allocation-tags",
    title: "New workload or cloud resource without cost-allocation tags",
    category: "cost",
    defaultSeverity: "error",
    description:
      "A new Kubernetes workload or Terraform resource (AWS tags, Google labels, Azure tags) lacks the cost-allocation labels/tags the configuration names.",
    options,
    messages,
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const labels = opts.labels;
    const tags = opts.tags ?? opts.labels;
    if (labels.length > 0) await judgeWorkloads(ctx, labels);
    if (tags.length > 0) await judgeTerraform(ctx, tags, opts);
  },
});

// ---------------------------------------------------------------- Kubernetes

/** Label keys of a labels map, with Helm splices resolved against values; opaque when a helper hides some. */
function labelKeys(labels: unknown, values: unknown): { keys: Set<string>; opaque?: string } {
  const resolved = resolveValue(labels, values);
  if (isOpaque(resolved)) return { keys: new Set(), opaque: resolved.opaque };
  if (!isRecord(resolved)) return { keys: new Set() };
  const opaque = typeof resolved[OPAQUE_PART] === "string" ? resolved[OPAQUE_PART] : undefined;
  return { keys: new Set(Object.keys(resolved).filter((k) => k !== OPAQUE_PART)), opaque };
}

async function judgeWorkloads(ctx: Context, required: readonly string[]): Promise<void> {
  const kustomize = await k8sIndex(ctx).kustomize("head");
  for (const { workload, existing } of await changedWorkloads(ctx)) {
    if (existing) continue;
    const missing = missingLabels(workload, required, kustomize.commonLabels.get(workload.file) ?? []);
    if (missing.opaque !== undefined && missing.keys.length > 0) {
      ctx.note(
        `${workload.file}:${workload.line}: labels of ${describeWorkload(workload)} come from a template helper (${missing.opaque}); cost-allocation labels not judged`,
        "not-judged",
      );
      continue;
    }
    if (missing.keys.length === 0) continue;
    ctx.report({
      messageId: "workloadWithoutLabels",
      data: { workload: describeWorkload(workload), missing: missing.keys.join(", ") },
      file: workload.file,
      line: workload.doc.lineOf(["metadata", "name"]),
      remediation: `Add ${missing.keys.map((k) => `${k}: <value>`).join(", ")} to the pod template's metadata.labels (cost tools such as OpenCost and Kubecost read pod labels), or to a Kustomize commonLabels.`,
      key: `${workload.key}:labels`,
    });
  }
}

/** Required keys that no source sets: workload labels, pod template labels, Kustomize common labels. */
function missingLabels(workload: Workload, required: readonly string[], common: Record<string, string>[]): { keys: string[]; opaque?: string } {
  const templatePath = workload.podSpecPath.slice(0, -1);
  const value = workload.doc.value as Record<string, unknown>;
  const template = templatePath.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), value);
  const sources = [
    isRecord(value.metadata) ? value.metadata.labels : undefined,
    isRecord(template) && isRecord(template.metadata) ? template.metadata.labels : undefined,
  ];
  let opaque: string | undefined;
  const present = new Set<string>();
  // A Helm chart passes when some values file sets the label (the same "any variant" rule as the k8s rules).
  for (const values of workload.valuesCandidates) {
    for (const source of sources) {
      const found = labelKeys(source, values);
      for (const k of found.keys) present.add(k);
      opaque ??= found.opaque;
    }
  }
  // Kustomize commonLabels of any kustomization including the file.
  for (const labels of common) for (const k of Object.keys(labels)) present.add(k);
  return { keys: required.filter((k) => !present.has(k)), opaque };
}

// ---------------------------------------------------------------- Terraform

async function judgeTerraform(ctx: Context, required: readonly string[], opts: Options): Promise<void> {
  const changed = ctx.headFiles.filter((f) => f.path.endsWith(".tf"));
  if (changed.length === 0) return;
  const parsed = new Map<string, TerraformFile | undefined>();
  const read = async (side: "base" | "head", path: string, reportProblems: boolean): Promise<TerraformFile | undefined> => {
    const cacheKey = `${side}\0${path}`;
    if (parsed.has(cacheKey)) return parsed.get(cacheKey);
    const text = await ctx.text(side, path);
    let file: TerraformFile | undefined;
    if (text !== undefined) {
      try {
        file = await parseTerraform(path, text);
      } catch (error) {
        if (!(error instanceof TerraformParseError)) throw error;
        if (reportProblems) {
          ctx.problem({
            file: path,
            line: error.line,
            column: error.column,
            message: `${path}:${error.line}: Terraform file does not parse (${error.message})`,
          });
        } else {
          ctx.note(
            `${path}:${error.line}: Terraform file does not parse at ${side} (${error.message}); its resources were treated as new`,
            "not-judged",
          );
        }
      }
    }
    parsed.set(cacheKey, file);
    return file;
  };

  // Provider default tags apply to every resource of that provider; modules inherit their caller's
  // provider, so defaults anywhere in the repository count (documented).
  const headTf = (await ctx.paths("head")).filter((p) => p.endsWith(".tf"));
  const defaults = { aws: new Set<string>(), google: new Set<string>() };
  const defaultsOpaque = { aws: false, google: false };
  const providerFiles = headTf.slice(0, opts.maxTerraformFiles);
  if (headTf.length > opts.maxTerraformFiles) {
    ctx.note(`provider default tags were read from the first ${opts.maxTerraformFiles} of ${headTf.length} .tf files`);
  }
  for (const path of providerFiles) {
    const text = await ctx.text("head", path);
    if (text === undefined || !/^\s*provider\s+"?(aws|google|google-beta)"?/m.test(text)) continue;
    const file = await read(
      "head",
      path,
      changed.some((f) => f.path === path),
    );
    if (!file) continue;
    for (const p of ["aws", "google"] as const) {
      for (const k of file.providerDefaults[p]) defaults[p].add(k);
      defaultsOpaque[p] ||= file.providerDefaultsOpaque[p];
    }
  }

  // Resources that existed at base anywhere in the changed files' directories are not new (moves between files).
  const baseKeys = new Set<string>();
  const dirs = new Set(changed.map((f) => dirname(f.path)));
  const basePaths = (await ctx.paths("base")).filter((p) => p.endsWith(".tf") && dirs.has(dirname(p)));
  for (const path of basePaths) {
    const file = await read("base", path, false);
    for (const r of file?.resources ?? []) baseKeys.add(`${dirname(path)}\0${r.type}.${r.name}`);
  }

  for (const changedFile of changed) {
    const file = await read("head", changedFile.path, true);
    if (!file) continue;
    const dir = dirname(changedFile.path);
    for (const resource of file.resources) {
      if (baseKeys.has(`${dir}\0${resource.type}.${resource.name}`)) continue;
      const provider = providerOf(resource.type);
      if (!provider) continue;
      const tagged = resourceTags(resource);
      const listed = [...TAGGABLE_TYPES, ...opts.resourceTypes].some((pattern) => minimatch(resource.type, pattern));
      if (!listed && !tagged) continue;
      const present = new Set(tagged?.keys ?? []);
      if (provider === "aws" && resource.type !== "aws_autoscaling_group") for (const k of defaults.aws) present.add(k);
      if (provider === "google") for (const k of defaults.google) present.add(k);
      const missing = required.filter((k) => !present.has(k));
      if (missing.length === 0) continue;
      const providerOpaque = (provider === "aws" && defaultsOpaque.aws) || (provider === "google" && defaultsOpaque.google);
      if (tagged?.opaque || providerOpaque) {
        ctx.note(
          `${changedFile.path}:${resource.line}: ${resource.type}.${resource.name} takes ${tagged?.opaque ? tagAttributeName(resource.type) : "provider default tags"} from an expression; cost-allocation tags ${missing.join(", ")} not judged`,
          "not-judged",
        );
        continue;
      }
      const attribute = tagAttributeName(resource.type);
      ctx.report({
        messageId: provider === "google" ? "resourceWithoutLabels" : "resourceWithoutTags",
        data: { resource: `${resource.type}.${resource.name}`, missing: missing.join(", ") },
        file: changedFile.path,
        line: resource.line,
        remediation:
          provider === "aws"
            ? `Add ${missing.join(", ")} to the resource's tags, or once for every resource in the AWS provider's default_tags block.`
            : provider === "google"
              ? `Add ${missing.join(", ")} to ${attribute} (or to the google provider's default_labels).`
              : `Add ${missing.join(", ")} to the resource's tags (azurerm has no provider-wide default tags; use a shared local).`,
        key: `${resource.type}.${resource.name}`,
      });
    }
  }
}
