import { describe, expect, it } from "vitest";
import { graphqlSubstance, protoSubstance, specChangedMaterially } from "../../src/formats/common/material.js";
import { isCommentOrDescriptionOnly, isVersionBumpOnly } from "../../src/formats/common/noise.js";
import { parsePatch } from "../../src/engine/patch.js";
import { unifiedHunks } from "../../src/engine/memory-change.js";

const spec = (over: Record<string, unknown> = {}) => ({
  openapi: "3.0.3",
  info: { title: "Pets", version: "1.0.0", description: "Pets API" },
  paths: { "/pets": { get: { summary: "List", description: "Lists pets", responses: { "200": { description: "ok" } } } } },
  components: {
    schemas: { Pet: { type: "object", description: "A pet", properties: { name: { type: "string" }, description: { type: "string" } } } },
  },
  ...over,
});

describe("specChangedMaterially", () => {
  it.each([
    ["info.version", { info: { title: "Pets", version: "1.1.0" } }],
    ["info.title and description", { info: { title: "Pet store", version: "1.0.0", description: "New words" } }],
    [
      "an operation description",
      { paths: { "/pets": { get: { summary: "List all", description: "Lists every pet", responses: { "200": { description: "the pets" } } } } } },
    ],
  ])("ignores %s", (_what, over) => expect(specChangedMaterially(spec(), spec(over))).toBe(false));

  it.each([
    [
      "a new operation",
      {
        paths: {
          "/pets": {
            get: { summary: "List", description: "Lists pets", responses: { "200": { description: "ok" } } },
            post: { responses: { "201": { description: "created" } } },
          },
        },
      },
    ],
    [
      "a property named description removed",
      { components: { schemas: { Pet: { type: "object", description: "A pet", properties: { name: { type: "string" } } } } } },
    ],
    ["a server", { servers: [{ url: "https://api.example.com/v2" }] }],
  ])("counts %s", (_what, over) => expect(specChangedMaterially(spec(), spec(over))).toBe(true));
});

describe("protoSubstance / graphqlSubstance", () => {
  it("ignores comments and language options in .proto files", () => {
    const before = 'syntax = "proto3";\npackage demo;\nmessage Cart { string id = 1; }\n';
    const after = 'syntax = "proto3";\npackage demo;\noption go_package = "example.com/demo";\n// The cart.\nmessage Cart {\n  string id = 1;\n}\n';
    expect(protoSubstance(before)).toBe(protoSubstance(after));
    expect(protoSubstance(before)).not.toBe(protoSubstance(after.replace("string id = 1;", "string id = 2;")));
  });
  it("ignores descriptions and comments in GraphQL SDL but not directives", () => {
    const before = "type Cart {\n  id: ID!\n}\n";
    expect(graphqlSubstance(before)).toBe(graphqlSubstance('"""A cart."""\ntype Cart {\n  "The id"\n  id: ID! # primary\n}\n'));
    expect(graphqlSubstance(before)).not.toBe(graphqlSubstance('type Cart {\n  id: ID! @deprecated(reason: "x")\n}\n'));
  });
});

function lines(before: string, after: string) {
  const { added, removed } = parsePatch(unifiedHunks(before, after).text);
  return { added, removed };
}

describe("reference bumps and cosmetic edits", () => {
  it.each([
    ["image: busybox:latest\n", `image: busybox:latest@sha256:${"b".repeat(64)}\n`],
    ["    repository: us-docker.pkg.dev/google-samples/demo\n", "    repository: us-docker.pkg.dev/online-boutique-ci/demo\n"],
    ["FROM eclipse-temurin:21 as builder\n", "FROM eclipse-temurin:21 AS builder\n"],
    ["ENV PORT 8080\n", "ENV PORT=8080\n"],
    ["FROM python:3.12-slim AS base\n", "FROM python:3.13-slim@sha256:" + "c".repeat(64) + " AS base\n"],
  ])("%j -> %j is a reference bump", (before, after) => {
    const { added, removed } = lines(before, after);
    expect(isVersionBumpOnly(removed, added)).toBe(true);
  });

  it.each([
    ["FROM node:20 AS build\n", "FROM node:20 AS runtime\n"],
    ["ENV PORT=8080\n", "ENV PORT=9090\n"],
    ["  replicas: 2\n", "  replicas: 4\n"],
  ])("%j -> %j is not a bump", (before, after) => {
    const { added, removed } = lines(before, after);
    expect(isVersionBumpOnly(removed, added)).toBe(false);
  });

  it("knows comment and description edits", () => {
    const tf = lines('variable "x" {\n  description = "Teh name"\n}\n', 'variable "x" {\n  description = "The name"\n}\n');
    expect(isCommentOrDescriptionOnly(tf.removed, tf.added)).toBe(true);
    const yaml = lines("# old\nreplicas: 2\n", "# new\nreplicas: 2\n");
    expect(isCommentOrDescriptionOnly(yaml.removed, yaml.added)).toBe(true);
    const real = lines('variable "x" {\n  type = string\n}\n', 'variable "x" {\n  type = number\n}\n');
    expect(isCommentOrDescriptionOnly(real.removed, real.added)).toBe(false);
  });
});
