import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { closingBrace, TerraformParseError } from "../../src/formats/terraform/hcl.js";
import { literalKeys, parseTerraform, resourceTags } from "../../src/formats/terraform/resources.js";
import { costAllocationTags } from "../../src/rules/cost-allocation-tags.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

async function run(
  base: Record<string, string>,
  head: Record<string, string>,
  options: Record<string, unknown> = { labels: ["team", "cost-center"] },
) {
  const config = validateConfig({ rules: { "cost-allocation-tags": options } }, "test");
  const report = await reviewChange(changeFromTrees(base, head), config, { rules: [costAllocationTags], triggers: [] });
  return {
    findings: report.findings.map((f) => `${f.file}:${f.line}`),
    messages: report.findings.map((f) => f.message),
    notes: report.notes.map(noteText),
    problems: report.problems,
  };
}

describe("Terraform reading", () => {
  it("finds resources with their header lines and provider defaults", async () => {
    const file = await parseTerraform(
      "main.tf",
      'provider "aws" {\n  default_tags {\n    tags = { team = "a" }\n  }\n}\n\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    );
    expect(file.resources.map((r) => [r.type, r.name, r.line])).toEqual([["aws_sqs_queue", "q", 7]]);
    expect([...file.providerDefaults.aws]).toEqual(["team"]);
  });

  it.each([
    ["nested blocks", "a {\n  b {\n  }\n}\nrest"],
    ["braces in strings and interpolations", 'a {\n  x = "}"\n  y = "${merge(var.t, { k = "}" })}"\n}'],
    ["comments", "a {\n  # }\n  // }\n  /* } */\n}"],
    ["heredocs", 'a {\n  policy = <<-EOT\n    { "a": "}" }\n  EOT\n}'],
  ])("closingBrace skips %s", (_name, text) => {
    // The block's own closing brace is the last one in each text.
    expect(closingBrace(text, text.indexOf("{"))).toBe(text.lastIndexOf("}"));
    expect(closingBrace(text.slice(0, text.lastIndexOf("}")), text.indexOf("{"))).toBeUndefined();
  });

  it("parses each block on its own, keeping file lines, and reports errors at file lines", async () => {
    const text = 'variable "x" {}\n\nresource "aws_sqs_queue" "a" {\n  name = "a"\n}\n\nresource "aws_sqs_queue" "b" {\n  name = = "b"\n}\n';
    const error = await parseTerraform("main.tf", text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerraformParseError);
    expect((error as TerraformParseError).line).toBe(8);
    const ok = await parseTerraform("main.tf", text.replace("= = ", "= "));
    expect(ok.resources.map((r) => [r.name, r.line])).toEqual([
      ["a", 3],
      ["b", 7],
    ]);
  });

  it("reports the position of a syntax error", async () => {
    const error = await parseTerraform("main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerraformParseError);
    expect((error as TerraformParseError).line).toBe(1);
  });

  it.each([
    ['{ team = "a" }', ["team"], false],
    ['${merge(local.tags, { team = "a", "cost-center" = "b" })}', ["team", "cost-center"], true],
    ["${var.tags}", [], true],
    ['${merge({ team = "a" }, { x = "b" })}', ["team", "x"], false],
  ])("literal keys of %s", (value, keys, opaque) => {
    const parsed = value.startsWith("{") ? { team: "a" } : value;
    expect(literalKeys(parsed)).toEqual({ keys: new Set(keys), opaque });
  });

  it("reads Auto Scaling group tag blocks and Cloud SQL user labels", async () => {
    const file = await parseTerraform(
      "main.tf",
      'resource "aws_autoscaling_group" "web" {\n  tag {\n    key = "team"\n    value = "web"\n    propagate_at_launch = true\n  }\n}\nresource "google_sql_database_instance" "db" {\n  settings {\n    tier = "db-f1-micro"\n    user_labels = { team = "data" }\n  }\n}\n',
    );
    expect(file.resources.map((r) => [...(resourceTags(r)?.keys ?? [])])).toEqual([["team"], ["team"]]);
  });
});

describe("cost-allocation-tags", () => {
  const bucket = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n';

  it("is quiet until keys are configured", async () => {
    expect((await run({}, { "main.tf": bucket }, {})).findings).toEqual([]);
  });

  it("uses `tags` for Terraform and `labels` for Kubernetes", async () => {
    const head = { "main.tf": 'resource "aws_s3_bucket" "b" {\n  tags = { CostCenter = "1" }\n}\n' };
    expect((await run({}, head, { labels: ["cost-center"], tags: ["CostCenter"] })).findings).toEqual([]);
    expect((await run({}, head, { labels: ["cost-center"] })).findings).toEqual(["main.tf:1"]);
  });

  it("a tags expression with a variable is noted, not reported", async () => {
    const head = { "main.tf": 'resource "aws_s3_bucket" "b" {\n  tags = merge(var.tags, { team = "x" })\n}\n' };
    const { findings, notes } = await run({}, head);
    expect(findings).toEqual([]);
    expect(notes).toEqual([
      "cost-allocation-tags: main.tf:1: aws_s3_bucket.b takes tags from an expression; cost-allocation tags cost-center not judged",
    ]);
  });

  it("a changed .tf file that does not parse is a problem with its line", async () => {
    const { problems } = await run({}, { "infra/main.tf": 'resource "aws_s3_bucket" "b" {\n  tags = {\n' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "infra/main.tf" });
  });

  it("a resource moved to another file of the same module is not new", async () => {
    const { findings } = await run({ "m/a.tf": bucket }, { "m/b.tf": bucket });
    expect(findings).toEqual([]);
  });

  it("judges configured extra types and ignores unknown providers", async () => {
    const head = {
      "main.tf": 'resource "aws_glue_crawler" "c" {\n  name = "c"\n}\nresource "kubernetes_namespace" "n" {\n  metadata { name = "n" }\n}\n',
    };
    expect((await run({}, head)).findings).toEqual([]);
    expect((await run({}, head, { labels: ["team"], resourceTypes: ["aws_glue_*"] })).findings).toEqual(["main.tf:1"]);
  });

  it("Kustomize `labels` pairs count like commonLabels", async () => {
    const deployment =
      "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: x\n";
    const head = {
      "app/deploy.yaml": deployment,
      "app/kustomization.yaml": "resources: [deploy.yaml]\nlabels:\n  - pairs: {team: web, cost-center: cc-1}\n",
    };
    expect((await run({}, head)).findings).toEqual([]);
    expect((await run({}, { "app/deploy.yaml": deployment })).findings).toEqual(["app/deploy.yaml:3"]);
  });

  it("Helm labels from values count; labels from a helper are noted", async () => {
    const chart = (template: string, values: string) => ({
      "c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
      "c/values.yaml": values,
      "c/templates/deploy.yaml": template,
    });
    const fromValues = `kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      labels:
        app: web
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      containers:
        - name: web
          image: x
`;
    expect((await run({}, chart(fromValues, "podLabels:\n  team: web\n  cost-center: cc-1\n"))).findings).toEqual([]);
    expect((await run({}, chart(fromValues, "podLabels: {}\n"))).findings).toEqual(["c/templates/deploy.yaml:3"]);
    const fromHelper = fromValues.replace(
      "{{- with .Values.podLabels }}\n        {{- toYaml . | nindent 8 }}\n        {{- end }}",
      '{{- include "c.labels" . | nindent 8 }}',
    );
    const { findings, notes } = await run({}, chart(fromHelper, ""));
    expect(findings).toEqual([]);
    expect(notes[0]).toMatch(/^cost-allocation-tags: c\/templates\/deploy\.yaml:1: labels of Deployment "web" come from a template helper/);
  });
});
