/** Edge cases of k8s-resource-limits and k8s-health-probes, table-driven (valid / invalid). */
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { k8sHealthProbes } from "../../src/rules/k8s-health-probes.js";
import { k8sResourceLimits } from "../../src/rules/k8s-resource-limits.js";
import { WORKLOAD_KINDS } from "../../src/formats/kubernetes/objects.js";
import { POD_SPEC_PATH } from "../../src/formats/kubernetes/objects.js";
import { reviewChange, validateConfig } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";

type Tree = Record<string, string | Uint8Array>;

async function run(base: Tree, head: Tree, rules: Record<string, unknown> = {}, renames?: Record<string, string>) {
  const config = validateConfig({ rules }, "test");
  const report = await reviewChange(changeFromTrees(base, head, { renames }), config, { rules: [k8sHealthProbes, k8sResourceLimits], triggers: [] });
  return {
    limits: report.findings.filter((f) => f.rule === "k8s-resource-limits").map((f) => `${f.file}:${f.line}:${f.severity}`),
    probes: report.findings.filter((f) => f.rule === "k8s-health-probes").map((f) => `${f.file}:${f.line}:${f.severity}`),
    messages: report.findings.filter((f) => f.rule === "k8s-resource-limits").map((f) => f.message),
    notes: report.notes.map(noteText),
    problems: report.problems,
  };
}

const RESOURCES = `
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}`;
const PROBES = `
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}}`;

function deployment(container: string, kind = "Deployment", extra = ""): string {
  return `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: api
spec:
  template:
    spec:${extra}
      containers:
        - name: api
          image: ghcr.io/acme/api:1${container}
`;
}

describe("workload kinds", () => {
  it("the rules read every kind the shared classifier calls a workload", () => {
    expect(Object.keys(POD_SPEC_PATH).sort()).toEqual([...WORKLOAD_KINDS].sort());
  });
});

describe("k8s-resource-limits", () => {
  it.each([
    ["requests and a memory limit", RESOURCES],
    ["limits only (requests default to limits)", "\n          resources:\n            limits: {cpu: 500m, memory: 256Mi}"],
  ])("valid: %s", async (_name, container) => {
    expect((await run({}, { "k8s/api.yaml": deployment(container) })).limits).toEqual([]);
  });

  it.each([
    ["no resources", "", "k8s/api.yaml:9:error"],
    ["empty resources", "\n          resources: {}", "k8s/api.yaml:9:error"],
    ["requests only", "\n          resources:\n            requests: {cpu: 100m, memory: 128Mi}", "k8s/api.yaml:9:error"],
    [
      "null memory limit",
      "\n          resources:\n            requests: {cpu: 1, memory: 1Gi}\n            limits: {memory: ~}",
      "k8s/api.yaml:9:error",
    ],
  ])("invalid: %s", async (_name, container, expected) => {
    expect((await run({}, { "k8s/api.yaml": deployment(container) })).limits).toEqual([expected]);
  });

  it("names what is missing", async () => {
    const { messages } = await run({}, { "k8s/api.yaml": deployment("\n          resources:\n            requests: {cpu: 100m, memory: 128Mi}") });
    expect(messages).toContain('container "api" in Deployment "api" has no memory limit');
  });

  it("requires a CPU limit only when configured", async () => {
    const head = { "k8s/api.yaml": deployment(RESOURCES) };
    expect((await run({}, head)).limits).toEqual([]);
    const strict = await run({}, head, { "k8s-resource-limits": { require: ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] } });
    expect(strict.limits).toEqual(["k8s/api.yaml:9:error"]);
    expect(strict.messages[0]).toMatch(/has no CPU limit$/);
  });

  it("skips init containers when initContainers is false", async () => {
    const head = { "k8s/api.yaml": deployment(RESOURCES, "Deployment", "\n      initContainers:\n        - name: migrate\n          image: x:1") };
    expect((await run({}, head)).limits).toEqual(["k8s/api.yaml:9:error"]);
    expect((await run({}, head, { "k8s-resource-limits": { initContainers: false } })).limits).toEqual([]);
  });

  it("judges OpenShift DeploymentConfigs and Argo Rollouts like Deployments", async () => {
    expect((await run({}, { "a.yaml": deployment("", "DeploymentConfig"), "b.yaml": deployment("", "Rollout") })).limits).toEqual([
      "a.yaml:9:error",
      "b.yaml:9:error",
    ]);
  });

  it("does not judge a renamed manifest whose containers did not change", async () => {
    const text = deployment("");
    expect((await run({ "old/api.yaml": text }, { "new/api.yaml": text }, {}, { "new/api.yaml": "old/api.yaml" })).limits).toEqual([]);
  });

  it("a manifest that does not parse is a problem naming file and line", async () => {
    const broken = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [api\n";
    const { problems, limits } = await run({}, { "k8s/api.yaml": broken });
    expect(limits).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "k8s/api.yaml" });
    expect(problems[0]!.line).toBeGreaterThanOrEqual(4);
  });

  it("a templated manifest outside a Helm chart is noted, not a problem", async () => {
    const templated = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers: [{{ .Containers }}\n";
    const { problems, notes, limits } = await run({}, { "deploy/app.yaml": templated });
    expect(limits).toEqual([]);
    expect(problems).toEqual([]);
    expect(notes.some((n) => n.startsWith("deploy/app.yaml:") && n.includes("outside a Helm chart"))).toBe(true);
  });

  it("ignores YAML that is not a workload and broken non-manifest YAML; binary YAML cannot be judged and fails closed", async () => {
    const { limits, problems } = await run(
      {},
      {
        "k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        "k8s/blob.yaml": new Uint8Array([0, 1, 2, 3]),
        "ci.yml": "jobs: [\n",
      },
    );
    expect(limits).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({ file: "k8s/blob.yaml", message: expect.stringMatching(/^k8s\/blob\.yaml is binary, so it could not be judged/) }),
    ]);
  });

  it("a patch of a kustomization that does not include the manifest does not count", async () => {
    const head = {
      "apps/a/deployment.yaml": deployment(""),
      "apps/a/kustomization.yaml": "resources: [deployment.yaml]\n",
      "apps/b/kustomization.yaml": "resources: [deployment.yaml]\npatches:\n  - path: patch.yaml\n",
      "apps/b/deployment.yaml": deployment(RESOURCES),
      "apps/b/patch.yaml": `kind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api${RESOURCES}\n`,
    };
    expect((await run({}, head)).limits).toEqual(["apps/a/deployment.yaml:9:error"]);
  });

  it("a changed values file re-judges the chart's templates", async () => {
    const chart = (values: string): Tree => ({
      "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
      "chart/values.yaml": values,
      "chart/templates/deployment.yaml": deployment("\n          resources:\n            {{- toYaml .Values.resources | nindent 12 }}"),
    });
    const before = chart("resources:\n  requests: {cpu: 1, memory: 1Gi}\n  limits: {memory: 1Gi}\n");
    const after = chart("resources:\n  requests: {cpu: 1, memory: 1Gi}\n");
    expect((await run(before, after)).limits).toEqual(["chart/templates/deployment.yaml:9:warning"]);
  });

  it("an environment values file that sets limits counts", async () => {
    const head: Tree = {
      "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
      "chart/values.yaml": "resources: {}\n",
      "chart/values-production.yaml": "resources:\n  requests: {cpu: 1, memory: 1Gi}\n  limits: {memory: 1Gi}\n",
      "chart/templates/deployment.yaml": deployment("\n          resources: {{- toYaml .Values.resources | nindent 12 }}"),
    };
    expect((await run({}, head)).limits).toEqual([]);
  });

  it("a container behind `if .Values.x.enabled` that no values file enables is noted, not judged", async () => {
    const template = deployment(
      RESOURCES + "\n        {{- if .Values.proxy.enabled }}\n        - name: proxy\n          image: envoy:1\n        {{- end }}",
    );
    const head: Tree = {
      "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
      "chart/values.yaml": "proxy:\n  enabled: false\n",
      "chart/templates/deployment.yaml": template,
    };
    const off = await run({}, head);
    expect(off.limits).toEqual([]);
    expect(off.notes).toContain(
      "chart/templates/deployment.yaml:15: container proxy renders only when .Values.proxy.enabled, which no values file sets; not judged",
    );
    const on = await run({}, { ...head, "chart/values-prod.yaml": "proxy:\n  enabled: true\n" });
    expect(on.limits).toEqual(["chart/templates/deployment.yaml:15:error"]);
  });

  it("a Helm template that cannot be read is named in a note, not guessed", async () => {
    const head: Tree = {
      "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
      "chart/templates/deployment.yaml": "kind: Deployment\nspec: {{ .Values.x }} {{ .Values.y }}: [\n",
    };
    const { limits, notes, problems } = await run({}, head);
    expect(limits).toEqual([]);
    expect(problems).toEqual([]);
    expect(notes.some((n) => n.startsWith("chart/templates/deployment.yaml:"))).toBe(true);
  });
});

describe("k8s-health-probes", () => {
  it.each([
    ["both probes", PROBES, "Deployment"],
    ["a Job", "", "Job"],
  ])("valid: %s", async (_name, container, kind) => {
    expect((await run({}, { "k8s/api.yaml": deployment(container, kind) })).probes).toEqual([]);
  });

  it.each([
    ["no probes", ""],
    ["readiness only", "\n          readinessProbe: {tcpSocket: {port: 8080}}"],
    ["liveness only", "\n          livenessProbe: {tcpSocket: {port: 8080}}"],
  ])("invalid: %s", async (_name, container) => {
    expect((await run({}, { "k8s/api.yaml": deployment(container) })).probes).toEqual(["k8s/api.yaml:9:warning"]);
  });

  it("native sidecars are judged only with sidecars: true", async () => {
    const sidecar = "\n      initContainers:\n        - name: proxy\n          image: envoy:1\n          restartPolicy: Always";
    const head = { "k8s/api.yaml": deployment(PROBES, "Deployment", sidecar) };
    expect((await run({}, head)).probes).toEqual([]);
    expect((await run({}, head, { "k8s-health-probes": { sidecars: true } })).probes).toEqual(["k8s/api.yaml:9:warning"]);
  });

  it("severity error makes a new container fail and an existing one advisory", async () => {
    const rules = { "k8s-health-probes": "error" };
    expect((await run({}, { "k8s/api.yaml": deployment("") }, rules)).probes).toEqual(["k8s/api.yaml:9:error"]);
    const base = { "k8s/api.yaml": deployment(PROBES) };
    const head = { "k8s/api.yaml": deployment("\n          readinessProbe: {httpGet: {path: /ready, port: 8080}}") };
    expect((await run(base, head, rules)).probes).toEqual(["k8s/api.yaml:9:warning"]);
  });
});
