import { describe, expect, it } from "vitest";
import { materialTerraformUnits, parseHcl, type TerraformSource } from "../../src/formats/terraform/scanner.js";

describe("parseHcl", () => {
  it("finds top-level blocks with labels, line ranges and bodies, through strings, heredocs, interpolations and comments", () => {
    const text = [
      "# a comment with { braces",
      'resource "aws_iam_policy" "this" {',
      '  name   = "${var.name}-policy" // trailing } brace',
      "  policy = <<-EOT",
      '    { "Version": "2012-10-17" }',
      "  EOT",
      "  /* } */",
      "}",
      "",
      "locals { a = { b = 1 } }",
      "terraform {",
      '  backend "s3" {',
      '    bucket = "state"',
      "  }",
      "}",
    ].join("\n");
    const items = parseHcl(text)!;
    expect(items.map((i) => [i.name, i.labels, i.line, i.endLine])).toEqual([
      ["resource", ["aws_iam_policy", "this"], 2, 8],
      ["locals", [], 10, 10],
      ["terraform", [], 11, 15],
    ]);
    expect(items[0]!.body.map((b) => b.name)).toEqual(["name", "policy"]);
    expect(items[2]!.body[0]).toMatchObject({ kind: "block", name: "backend", labels: ["s3"] });
  });

  it("gives up on unbalanced text", () => {
    expect(parseHcl('resource "a" "b" {\n  x = 1\n')).toBeUndefined();
    expect(parseHcl('resource "a" "b" {\n  x = "open\n}\n')).toBeUndefined();
  });
});

function units(base: Record<string, string>, head: Record<string, string>) {
  const sources: TerraformSource[] = [
    ...Object.entries(base).map(([path, text]) => ({ path, side: "base" as const, text })),
    ...Object.entries(head).map(([path, text]) => ({ path, side: "head" as const, text })),
  ];
  return [...new Set(materialTerraformUnits(sources)!.map((u) => u.key))];
}

describe("materialTerraformUnits", () => {
  const vpc = 'resource "aws_vpc" "this" {\n  cidr_block = var.cidr\n}\n';

  it("ignores version constraints, provider metadata and outputs", () => {
    expect(
      units(
        { "versions.tf": 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = ">= 6.0" }\n  }\n}\n' },
        {
          "versions.tf":
            'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = ">= 6.28" }\n  }\n  provider_meta "aws" {\n    user_agent = ["x"]\n  }\n}\n',
        },
      ),
    ).toEqual([]);
    expect(units({ "outputs.tf": "" }, { "outputs.tf": 'output "id" {\n  value = aws_vpc.this.id\n}\n' })).toEqual([]);
  });

  it("counts resources, locals, backends and variable defaults", () => {
    expect(units({ "main.tf": vpc }, { "main.tf": vpc.replace("var.cidr", '"10.0.0.0/16"') })).toEqual(['resource "aws_vpc" "this"']);
    expect(units({ "main.tf": "locals {\n  a = 1\n  b = 2\n}\n" }, { "main.tf": "locals {\n  a = 1\n  b = 3\n}\n" })).toEqual(["local b"]);
    expect(
      units(
        { "v.tf": 'terraform {\n  backend "s3" {\n    key = "a"\n  }\n}\n' },
        { "v.tf": 'terraform {\n  backend "s3" {\n    key = "b"\n  }\n}\n' },
      ),
    ).toEqual(["terraform backend"]);
    expect(
      units({ "variables.tf": 'variable "x" {\n  default = 1\n}\n' }, { "variables.tf": 'variable "x" {\n  description = "X"\n  default = 2\n}\n' }),
    ).toEqual(['variable "x"']);
  });

  it("ignores new variables, variable descriptions, formatting, comments and blocks moved between files", () => {
    expect(
      units(
        { "variables.tf": 'variable "x" {\n  default = 1\n}\n' },
        { "variables.tf": 'variable "x" {\n  description = "X" # new\n  default     = 1\n}\nvariable "y" {}\n' },
      ),
    ).toEqual([]);
    expect(units({ "main.tf": vpc }, { "main.tf": "", "vpc.tf": `# the VPC\n${vpc.replace("cidr_block = ", "cidr_block   =   ")}` })).toEqual([]);
  });
});
