import { describe, expect, it } from "vitest";
import { topLevelBlocks } from "../../src/formats/terraform/hcl.js";
import { materialTerraformUnits, normaliseTemplate, type TerraformSource } from "../../src/formats/terraform/units.js";

describe("topLevelBlocks", () => {
  it("finds top-level blocks with labels and line ranges, through strings, heredocs, interpolations and comments", () => {
    const text = [
      "# a comment with { braces",
      'resource "aws_iam_policy" "this" {',
      '  name   = "${var.name}-policy" // trailing } brace',
      "  policy = <<-EOT",
      '    { "Version": "2012-10-17" }',
      "  EOT",
      "  /* } */",
      "}",
      '/* resource "commented" "out" {',
      "} */",
      "locals {",
      "  a = { b = 1 }",
      "}",
      "terraform {",
      '  backend "s3" {',
      '    bucket = "state"',
      "  }",
      "}",
    ].join("\n");
    expect(topLevelBlocks(text).blocks.map((b) => [b.type, b.labels, b.line, b.endLine])).toEqual([
      ["resource", ["aws_iam_policy", "this"], 2, 8],
      ["locals", [], 11, 13],
      ["terraform", [], 14, 18],
    ]);
  });

  it("stops at a block whose braces do not close", () => {
    expect(topLevelBlocks('locals {\n  a = 1\n}\nresource "a" "b" {\n  x = 1\n')).toMatchObject({ blocks: [{ type: "locals" }], complete: false });
  });
});

describe("normaliseTemplate", () => {
  it("drops comments and layout inside interpolations, keeps literal text and quoted strings", () => {
    expect(normaliseTemplate('${merge(var.tags, {\n    # owner\n    Name   = "a  b"\n  })}')).toBe('${merge(var.tags,{Name="a  b"})}');
    expect(normaliseTemplate("${[for s in var.subnets : s.id]}")).toBe("${[for s in var.subnets:s.id]}");
    expect(normaliseTemplate("${var.name}  -policy")).toBe("${var.name}  -policy");
  });
});

async function units(base: Record<string, string>, head: Record<string, string>) {
  const sources: TerraformSource[] = [
    ...Object.entries(base).map(([path, text]) => ({ path, side: "base" as const, text })),
    ...Object.entries(head).map(([path, text]) => ({ path, side: "head" as const, text })),
  ];
  return [...new Set((await materialTerraformUnits(sources))!.map((u) => u.key))];
}

describe("materialTerraformUnits", () => {
  const vpc = 'resource "aws_vpc" "this" {\n  cidr_block = var.cidr\n}\n';

  it("ignores version constraints, provider metadata and outputs", async () => {
    expect(
      await units(
        { "versions.tf": 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = ">= 6.0" }\n  }\n}\n' },
        {
          "versions.tf":
            'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = ">= 6.28" }\n  }\n  provider_meta "aws" {\n    user_agent = ["x"]\n  }\n}\n',
        },
      ),
    ).toEqual([]);
    expect(await units({ "outputs.tf": "" }, { "outputs.tf": 'output "id" {\n  value = aws_vpc.this.id\n}\n' })).toEqual([]);
  });

  it("counts resources, locals, backends and variable defaults", async () => {
    expect(await units({ "main.tf": vpc }, { "main.tf": vpc.replace("var.cidr", '"10.0.0.0/16"') })).toEqual(['resource "aws_vpc" "this"']);
    expect(await units({ "main.tf": "locals {\n  a = 1\n  b = 2\n}\n" }, { "main.tf": "locals {\n  a = 1\n  b = 3\n}\n" })).toEqual(["local b"]);
    expect(
      await units(
        { "v.tf": 'terraform {\n  backend "s3" {\n    key = "a"\n  }\n}\n' },
        { "v.tf": 'terraform {\n  backend "s3" {\n    key = "b"\n  }\n}\n' },
      ),
    ).toEqual(["terraform backend"]);
    expect(
      await units(
        { "variables.tf": 'variable "x" {\n  default = 1\n}\n' },
        { "variables.tf": 'variable "x" {\n  description = "X"\n  default = 2\n}\n' },
      ),
    ).toEqual(['variable "x"']);
  });

  it("lists changed blocks in source order, not the parser's alphabetical order", async () => {
    const before =
      'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n\nlocals {\n  zone = "a"\n  name = "x"\n}\n\ndata "aws_region" "current" {}\n';
    const after =
      'resource "aws_vpc" "this" {\n  cidr_block = "10.1.0.0/16"\n}\n\nlocals {\n  zone = "b"\n  name = "y"\n}\n\ndata "aws_region" "current" {\n  name = "eu-west-1"\n}\n';
    expect(await units({ "main.tf": before }, { "main.tf": after })).toEqual([
      'resource "aws_vpc" "this"',
      "local zone",
      "local name",
      'data "aws_region" "current"',
    ]);
    const located = (await materialTerraformUnits([{ path: "main.tf", side: "head", text: after }]))!;
    expect(located.map((u) => [u.key, u.line])).toEqual([
      ['resource "aws_vpc" "this"', 1],
      ["local zone", 6],
      ["local name", 7],
      ['data "aws_region" "current"', 10],
    ]);
  });

  it("ignores new variables, variable descriptions, formatting, comments and blocks moved between files", async () => {
    expect(
      await units(
        { "variables.tf": 'variable "x" {\n  default = 1\n}\n' },
        { "variables.tf": 'variable "x" {\n  description = "X" # new\n  default     = 1\n}\nvariable "y" {}\n' },
      ),
    ).toEqual([]);
    expect(await units({ "main.tf": vpc }, { "main.tf": "", "vpc.tf": `# the VPC\n${vpc.replace("cidr_block = ", "cidr_block   =   ")}` })).toEqual(
      [],
    );
    expect(
      await units(
        { "main.tf": 'resource "aws_vpc" "this" {\n  tags = merge(var.tags, { Name = "x" })\n}\n' },
        { "main.tf": 'resource "aws_vpc" "this" {\n  tags = merge(\n    var.tags,\n    # the name\n    { Name = "x" }\n  )\n}\n' },
      ),
    ).toEqual([]);
  });

  it("does not read a block whose text is the same on both sides (its copies stand for each other)", async () => {
    // A one-line block with a nested block is not valid HCL: reading it would fail the whole module.
    const unread = 'check "x" { assert { condition = true } }\n';
    expect(await units({ "main.tf": unread + vpc }, { "main.tf": unread + vpc.replace("var.cidr", "var.vpc_cidr") })).toEqual([
      'resource "aws_vpc" "this"',
    ]);
    expect(await materialTerraformUnits([{ path: "main.tf", side: "head", text: unread }])).toBeUndefined();
  });

  it("gives up when a file is not valid HCL, so the caller counts the change", async () => {
    expect(await materialTerraformUnits([{ path: "main.tf", side: "head", text: 'resource "a" "b" {\n  x = "open\n}\n' }])).toBeUndefined();
  });
});
