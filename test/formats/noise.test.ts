import { describe, expect, it } from "vitest";
import {
  imageName,
  isDocumentation,
  isLockfile,
  isNoise,
  isPackageManifest,
  isTest,
  isVendored,
  isVersionBumpOnly,
} from "../../src/formats/common/noise.js";
import { parsePatch } from "../../src/engine/patch.js";
import { unifiedHunks } from "../../src/engine/memory-change.js";

describe("isDocumentation", () => {
  it.each([
    "README.md",
    "docs/architecture.md",
    "services/cart/README",
    "CHANGELOG.md",
    "docs/openapi-guide.yaml",
    "doc/diagram.png",
    "adr/0001-use-kafka.md",
    "LICENSE",
  ])("%s is documentation", (path) => expect(isDocumentation(path)).toBe(true));
  it.each(["requirements.txt", "charts/cart/templates/NOTES.txt", "k8s/security.yaml", "api/openapi.yaml", "src/docs.ts"])(
    "%s is not documentation",
    (path) => expect(isDocumentation(path)).toBe(false),
  );
});

describe("isTest", () => {
  it.each([
    "test/fixtures/openapi.yaml",
    "src/cart.test.ts",
    "pkg/api/handler_test.go",
    "tests/test_models.py",
    "spec/models/user_spec.rb",
    "src/test/java/CartTest.java",
    "internal/testdata/deploy.yaml",
    "e2e/k8s/app.yaml",
  ])("%s is a test", (path) => expect(isTest(path)).toBe(true));
  it.each(["spec/openapi.yaml", "src/latest.ts", "contest/app.py", "db/migrate/20240101000000_add_tests.rb"])("%s is not a test", (path) =>
    expect(isTest(path)).toBe(false),
  );
});

describe("isLockfile / isPackageManifest / isNoise", () => {
  it("knows lockfiles", () => {
    expect(["package-lock.json", "web/yarn.lock", "go.sum", "infra/.terraform.lock.hcl", "charts/cart/Chart.lock"].every(isLockfile)).toBe(true);
    expect(isLockfile("package.json")).toBe(false);
  });
  it("knows manifests", () => {
    expect(["services/cart/package.json", "go.mod", "pom.xml", "api/Api.csproj", "requirements-dev.txt", "Cargo.toml"].every(isPackageManifest)).toBe(
      true,
    );
    expect(isPackageManifest("src/package.ts")).toBe(false);
  });
  it("treats vendored, example and dev-container files as noise", () => {
    expect(isNoise("vendor/github.com/x/api.proto")).toBe(true);
    expect(isNoise("examples/k8s/deployment.yaml")).toBe(true);
    expect(isNoise(".devcontainer/Dockerfile")).toBe(true);
    expect(isNoise("deploy/k8s/deployment.yaml")).toBe(false);
  });
});

describe("isVendored", () => {
  it.each([
    "vendor/github.com/x/api.proto",
    "Godeps/_workspace/src/github.com/golang/protobuf/proto/proto3_proto/proto3.proto",
    "Godeps/Godeps.json",
    ".gopath/src/github.com/prometheus/client_model/metrics.proto",
    "_vendor/src/golang.org/x/net/context/context.go",
    "build/_workspace/src/gopkg.in/yaml.v2/yaml.go",
  ])("%s is vendored", (path) => expect(isVendored(path)).toBe(true));
  // Kubernetes keeps its own modules in a GOPATH-shaped staging tree; a Java tree is not GOPATH.
  it.each(["staging/src/k8s.io/api/core/v1/generated.proto", "src/main/proto/demo.proto", "api/src/github.com.md", "pb/demo.proto"])(
    "%s is not vendored",
    (path) => expect(isVendored(path)).toBe(false),
  );
});

describe("imageName", () => {
  it.each([
    ["postgres:18-alpine", "postgres"],
    ["docker.io/library/postgres:16.4", "postgres"],
    ["pgautoupgrade/pgautoupgrade:latest", "pgautoupgrade"],
    ["us-central1-docker.pkg.dev/google-samples/microservices-demo/adservice:v0.10.5", "adservice"],
    ["localhost:5000/cart@sha256:0389bb8416d7c6ed065c25745179bf5d358e5d9472dd30a687ab36ffbb650262", "cart"],
    ['"redis:7-alpine" # pinned', "redis"],
  ])("%s names %s", (reference, name) => expect(imageName(reference)).toBe(name));
  it.each(["${DOCKER_IMAGE_BACKEND}:${TAG-latest}", "{{ .Values.image.repository }}", "https://charts.bitnami.com/bitnami"])(
    "%s is not a literal image",
    (reference) => expect(imageName(reference)).toBeUndefined(),
  );
});

function bump(before: string, after: string): boolean {
  const { added, removed } = parsePatch(unifiedHunks(before, after).text);
  return isVersionBumpOnly(removed, added);
}

describe("isVersionBumpOnly", () => {
  it.each([
    ["uses: actions/checkout@v3\n", "uses: actions/checkout@v4\n"],
    ["FROM node:18-alpine\nRUN npm ci\n", "FROM node:20-alpine\nRUN npm ci\n"],
    [
      "uses: actions/setup-go@0c52d547c9bc32b1aa3301fd7a9cb496313a4491 # v5.0.0\n",
      "uses: actions/setup-go@41dfa10bad2bb2ae585af6ee5bb4d7d973ad74ed # v5.1.0\n",
    ],
    ['  version = "~> 5.31.0"\n', '  version = "~> 5.40.1"\n'],
    ["image: ghcr.io/acme/cart:1.4.2\n", "image: ghcr.io/acme/cart:1.5.0\n"],
    ["image: gcr.io/google-samples/cart:1.4.2\n", "image: us-docker.pkg.dev/acme-ci/boutique/cart:1.5.0\n"],
    ["  repository: prom/prometheus\n", "  repository: quay.io/prometheus/prometheus\n"],
    [
      "FROM python:3.12.12-alpine AS base\nCOPY --from=builder /usr/local/lib/python3.12/ /usr/local/lib/python3.12/\n",
      "FROM python:3.14.2-alpine AS base\nCOPY --from=builder /usr/local/lib/python3.14/ /usr/local/lib/python3.14/\n",
    ],
  ])("%j -> %j is a bump", (before, after) => expect(bump(before, after)).toBe(true));

  it.each([
    ["image: pgautoupgrade/pgautoupgrade:latest\n", "image: postgres:18-alpine\n"],
    ["    image: redis:7\n    ports: []\n", "    ports: []\n    image: valkey/valkey:8\n"],
    ["FROM nginx:1.27-alpine\n", "FROM nginxinc/nginx-unprivileged:1.27-alpine\n"],
    ["FROM node:20 AS build\n", "FROM oven/bun:1 AS build\n"],
    ["  repository: bitnami/kubectl\n", "  repository: alpine/k8s\n"],
    ['  cidr_block = "10.0.0.0/16"\n', '  cidr_block = "10.1.0.0/16"\n'],
    ["      - 192.168.1.10\n", "      - 192.168.1.20\n"],
    ["replicas: 2\n", "replicas: 3\n"],
    ["FROM node:20\n", "FROM node:20\nUSER node\n"],
    ["uses: actions/checkout@v4\n", "uses: actions/cache@v4\n"],
    ["    port: 8080\n", "    port: 9090\n"],
    ["", "uses: actions/checkout@v4\n"],
  ])("%j -> %j is not a bump", (before, after) => expect(bump(before, after)).toBe(false));
});
