/**
 * k8s-resource-limits through `review(change, config)`: a container the PR adds (error) or whose resources it changes
 * (warning) without CPU and memory requests and a memory limit, in plain manifests, Helm charts and Kustomize bases,
 * reported at the container's `name:` line.
 */
import { describe, expect, it } from "vitest";
import { lines, reviewRule, type RuleRunOptions, type Seen, type Tree } from "../helpers/review.js";

const RULE = "k8s-resource-limits";

const SIZED = ["resources:", "  requests: {cpu: 250m, memory: 256Mi}", "  limits: {memory: 512Mi}"];

/** `body` lines indented under a container list item (10 spaces, as in the manifests below). */
const under = (body: string[]) => body.map((l) => `          ${l}`);

/** A plain Deployment of a Spring service; its container's `- name:` is line 18 (21 with a 3-line `init`). */
function deployment(container: string[] = [], extra: { init?: string[]; sidecar?: string[] } = {}): string {
  return lines(
    "apiVersion: apps/v1", // 1
    "kind: Deployment", // 2
    "metadata:", // 3
    "  name: orders-api", // 4
    "  namespace: shop", // 5
    "  labels: {app.kubernetes.io/name: orders-api}", // 6
    "spec:", // 7
    "  replicas: 3", // 8
    "  selector:", // 9
    "    matchLabels: {app.kubernetes.io/name: orders-api}", // 10
    "  template:", // 11
    "    metadata:", // 12
    "      labels: {app.kubernetes.io/name: orders-api}", // 13
    "    spec:", // 14
    "      serviceAccountName: orders-api", // 15
    "      securityContext: {runAsNonRoot: true}", // 16
    ...(extra.init ?? []), // 17-19 when given, shifting what follows by 3
    "      containers:", // 17
    "        - name: api", // 18
    "          image: ghcr.io/acme/orders-api:2.14.0", // 19
    "          ports: [{name: http, containerPort: 8080}]", // 20
    "          env: [{name: SPRING_PROFILES_ACTIVE, value: production}]", // 21
    ...under(container), // 22-
    ...(extra.sidecar ?? []),
  );
}

const SERVICE = lines(
  "---",
  "apiVersion: v1",
  "kind: Service",
  "metadata: {name: orders-api, namespace: shop}",
  "spec:",
  "  selector: {app.kubernetes.io/name: orders-api}",
  "  ports: [{port: 80, targetPort: http}]",
);

/** A nightly report CronJob; its container's `- name:` is line 14. */
function cronJob(container: string[] = []): string {
  return lines(
    "apiVersion: batch/v1", // 1
    "kind: CronJob", // 2
    "metadata: {name: sales-report, namespace: analytics}", // 3
    "spec:", // 4
    "  schedule: '0 3 * * *'", // 5
    "  concurrencyPolicy: Forbid", // 6
    "  jobTemplate:", // 7
    "    spec:", // 8
    "      backoffLimit: 2", // 9
    "      template:", // 10
    "        spec:", // 11
    "          restartPolicy: OnFailure", // 12
    "          containers:", // 13
    "            - name: report", // 14
    "              image: ghcr.io/acme/sales-report:1.3.0",
    "              args: [--since, 24h]",
    ...container.map((l) => `              ${l}`),
  );
}

/** A PostgreSQL StatefulSet; its container's `- name:` is line 13. */
function statefulSet(container: string[]): string {
  return lines(
    "apiVersion: apps/v1", // 1
    "kind: StatefulSet", // 2
    "metadata: {name: orders-db}", // 3
    "spec:", // 4
    "  serviceName: orders-db", // 5
    "  replicas: 1", // 6
    "  selector: {matchLabels: {app: orders-db}}", // 7
    "  template:", // 8
    "    metadata: {labels: {app: orders-db}}", // 9
    "    spec:", // 10
    "      terminationGracePeriodSeconds: 60", // 11
    "      containers:", // 12
    "        - name: postgres", // 13
    "          image: postgres:16.4",
    "          ports: [{containerPort: 5432}]",
    ...under(container),
    "  volumeClaimTemplates:",
    "    - metadata: {name: data}",
    "      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 20Gi}}}",
  );
}

/** A chart as `helm create` scaffolds it: resources come from values.yaml; the container's `- name:` is line 21. */
function chart(values: string[], extraValuesFiles: Tree = {}): Tree {
  return {
    "charts/cart/Chart.yaml": lines("apiVersion: v2", "name: cart", "version: 0.3.0", "appVersion: '1.8.0'"),
    "charts/cart/templates/_helpers.tpl": lines('{{- define "cart.fullname" -}}', "{{ .Release.Name }}-cart", "{{- end }}"),
    "charts/cart/templates/deployment.yaml": lines(
      "apiVersion: apps/v1", // 1
      "kind: Deployment", // 2
      "metadata:", // 3
      '  name: {{ include "cart.fullname" . }}', // 4
      "spec:", // 5
      "  {{- if not .Values.autoscaling.enabled }}", // 6
      "  replicas: {{ .Values.replicaCount }}", // 7
      "  {{- end }}", // 8
      "  selector:", // 9
      "    matchLabels:", // 10
      "      app.kubernetes.io/name: cart", // 11
      "  template:", // 12
      "    metadata:", // 13
      "      labels:", // 14
      "        app.kubernetes.io/name: cart", // 15
      "    spec:", // 16
      "      {{- with .Values.imagePullSecrets }}", // 17
      "      imagePullSecrets: {{- toYaml . | nindent 8 }}", // 18
      "      {{- end }}", // 19
      "      containers:", // 20
      "        - name: {{ .Chart.Name }}", // 21
      '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
      "          ports:",
      "            - name: http",
      "              containerPort: 8080",
      "          resources:",
      "            {{- toYaml .Values.resources | nindent 12 }}",
    ),
    "charts/cart/values.yaml": lines(
      "replicaCount: 2",
      "image: {repository: ghcr.io/acme/cart, tag: ''}",
      "autoscaling: {enabled: false}",
      ...values,
    ),
    ...extraValuesFiles,
  };
}

interface Case {
  name: string;
  base: Tree;
  head: Tree;
  options?: RuleRunOptions;
  expect: [at: string, severity: string, message: string][];
}

const fire: Case[] = [
  {
    name: "a new plain Deployment (with its Service) whose container sets nothing",
    base: {},
    head: { "deploy/k8s/orders-api.yaml": deployment() + SERVICE },
    expect: [
      ["deploy/k8s/orders-api.yaml:18", "error", 'container "api" in Deployment "orders-api" has no CPU request, memory request, memory limit'],
    ],
  },
  {
    name: "a new CronJob with requests but no memory limit",
    base: {},
    head: { "k8s/jobs/sales-report.yaml": cronJob(["resources:", "  requests: {cpu: 100m, memory: 256Mi}"]) },
    expect: [["k8s/jobs/sales-report.yaml:14", "error", 'container "report" in CronJob "sales-report" has no memory limit']],
  },
  {
    name: "a new StatefulSet with only a CPU limit (the CPU request defaults to it, memory stays unset)",
    base: {},
    head: { "k8s/db/statefulset.yaml": statefulSet(["resources:", "  limits: {cpu: '2'}"]) },
    expect: [["k8s/db/statefulset.yaml:13", "error", 'container "postgres" in StatefulSet "orders-db" has no memory request, memory limit']],
  },
  {
    name: "a chart scaffolded by helm create: the template splices .Values.resources, which is {}",
    base: {},
    head: chart(["resources: {}"]),
    expect: [
      [
        "charts/cart/templates/deployment.yaml:21",
        "error",
        'container "containers[0]" in Deployment has no CPU request, memory request, memory limit',
      ],
    ],
  },
  {
    name: "a Kustomize base without resources, whose production overlay patches only the replica count",
    base: {},
    head: {
      "deploy/base/deployment.yaml": deployment(),
      "deploy/base/kustomization.yaml": lines("apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources: [deployment.yaml]"),
      "deploy/overlays/production/kustomization.yaml": lines("resources: [../../base]", "patches:", "  - path: replicas.yaml"),
      "deploy/overlays/production/replicas.yaml": lines(
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: orders-api}",
        "spec: {replicas: 6}",
      ),
    },
    expect: [
      ["deploy/base/deployment.yaml:18", "error", 'container "api" in Deployment "orders-api" has no CPU request, memory request, memory limit'],
    ],
  },
  {
    name: "a log-shipping sidecar added to a sized Deployment: only the new container is judged",
    base: { "deploy/k8s/orders-api.yaml": deployment(SIZED) },
    head: {
      "deploy/k8s/orders-api.yaml": deployment(SIZED, {
        sidecar: ["        - name: fluent-bit", "          image: fluent/fluent-bit:3.1", "          resources: {requests: {cpu: 50m}}"],
      }),
    },
    expect: [["deploy/k8s/orders-api.yaml:25", "error", 'container "fluent-bit" in Deployment "orders-api" has no memory request, memory limit']],
  },
  {
    name: "a database migration init container without resources",
    base: {},
    head: {
      "deploy/k8s/orders-api.yaml": deployment(SIZED, {
        init: ["      initContainers:", "        - name: flyway-migrate", "          image: flyway/flyway:10"],
      }),
    },
    expect: [
      [
        "deploy/k8s/orders-api.yaml:18",
        "error",
        'init container "flyway-migrate" in Deployment "orders-api" has no CPU request, memory request, memory limit',
      ],
    ],
  },
  {
    name: "an existing container whose memory limit the PR removes: reported as a warning",
    base: { "deploy/k8s/orders-api.yaml": deployment(SIZED) },
    head: { "deploy/k8s/orders-api.yaml": deployment(["resources:", "  requests: {cpu: 250m, memory: 256Mi}"]) },
    expect: [
      [
        "deploy/k8s/orders-api.yaml:18",
        "warning",
        'container "api" in Deployment "orders-api" has no memory limit (an existing container this PR changes)',
      ],
    ],
  },
  {
    name: "a values.yaml change that drops the memory limit re-judges the chart's unchanged template (a warning: the container existed)",
    base: chart(["resources:", "  requests: {cpu: 100m, memory: 128Mi}", "  limits: {memory: 256Mi}"]),
    head: chart(["resources:", "  requests: {cpu: 100m, memory: 128Mi}"]),
    expect: [
      [
        "charts/cart/templates/deployment.yaml:21",
        "warning",
        'container "containers[0]" in Deployment has no memory limit (an existing container this PR changes)',
      ],
    ],
  },
  {
    name: "limits.cpu required by the config",
    base: {},
    head: { "deploy/k8s/orders-api.yaml": deployment(SIZED) },
    options: { config: { rules: { [RULE]: { require: ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] } } } },
    expect: [["deploy/k8s/orders-api.yaml:18", "error", 'container "api" in Deployment "orders-api" has no CPU limit']],
  },
];

const pass: Case[] = [
  {
    name: "a new Deployment with requests and a memory limit",
    base: {},
    head: { "deploy/k8s/orders-api.yaml": deployment(SIZED) + SERVICE },
    expect: [],
  },
  {
    name: "a new CronJob with limits only (Kubernetes sets the requests to the limits)",
    base: {},
    head: { "k8s/jobs/sales-report.yaml": cronJob(["resources:", "  limits: {cpu: 500m, memory: 1Gi}"]) },
    expect: [],
  },
  {
    name: "a Helm chart whose values.yaml sizes the container",
    base: {},
    head: chart(["resources:", "  requests: {cpu: 100m, memory: 128Mi}", "  limits: {memory: 256Mi}"]),
    expect: [],
  },
  {
    name: "a Helm chart sized only in values-production.yaml",
    base: {},
    head: chart(["resources: {}"], {
      "charts/cart/values-production.yaml": lines("resources:", "  requests: {cpu: '1', memory: 1Gi}", "  limits: {memory: 2Gi}"),
    }),
    expect: [],
  },
  {
    name: "a Kustomize base sized by its overlay's strategic-merge patch",
    base: {},
    head: {
      "deploy/base/deployment.yaml": deployment(),
      "deploy/base/kustomization.yaml": lines("resources: [deployment.yaml]"),
      "deploy/overlays/production/kustomization.yaml": lines("resources: [../../base]", "patchesStrategicMerge: [resources.yaml]"),
      "deploy/overlays/production/resources.yaml": lines(
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: orders-api}",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "        - name: api",
        ...under(SIZED),
      ),
    },
    expect: [],
  },
  {
    name: "an image bump of an unsized container: the PR did not touch its resources",
    base: { "deploy/k8s/orders-api.yaml": deployment() },
    head: { "deploy/k8s/orders-api.yaml": deployment().replace("orders-api:2.14.0", "orders-api:2.15.0") },
    expect: [],
  },
  {
    name: "an unsized init container with initContainers: false",
    base: {},
    head: {
      "deploy/k8s/orders-api.yaml": deployment(SIZED, {
        init: ["      initContainers:", "        - name: flyway-migrate", "          image: flyway/flyway:10"],
      }),
    },
    options: { config: { rules: { [RULE]: { initContainers: false } } } },
    expect: [],
  },
  {
    name: "YAML that is no workload: a ConfigMap, an HPA and a GitHub Actions workflow",
    base: {},
    head: {
      "deploy/k8s/config.yaml": lines("apiVersion: v1", "kind: ConfigMap", "metadata: {name: orders-api}", "data: {LOG_LEVEL: info}"),
      "deploy/k8s/hpa.yaml": lines(
        "apiVersion: autoscaling/v2",
        "kind: HorizontalPodAutoscaler",
        "metadata: {name: orders-api}",
        "spec: {minReplicas: 2, maxReplicas: 10}",
      ),
      ".github/workflows/ci.yml": lines("name: ci", "on: [push]", "jobs:", "  test: {runs-on: ubuntu-latest, steps: [{run: make test}]}"),
    },
    expect: [],
  },
  {
    name: "switched off in the config",
    base: {},
    head: { "deploy/k8s/orders-api.yaml": deployment() },
    options: { config: { rules: { [RULE]: "off" } } },
    expect: [],
  },
];

function expected(c: Case): Seen[] {
  return c.expect.map(([at, severity, message]) => ({ at, severity, message }));
}

describe(`${RULE}: must fire`, () => {
  it.each(fire.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const run = await reviewRule(RULE, c.base, c.head, c.options);
    expect(run.problems).toEqual([]);
    expect(run.findings).toEqual(expected(c));
  });
});

describe(`${RULE}: must not fire`, () => {
  it.each(pass.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const run = await reviewRule(RULE, c.base, c.head, c.options);
    expect(run.problems).toEqual([]);
    expect(run.findings).toEqual([]);
  });
});
