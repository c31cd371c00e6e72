/**
 * k8s-health-probes through `review(change, config)`: a long-running container (Deployment, StatefulSet, DaemonSet...)
 * that the PR adds or whose probes it changes, without a readiness or liveness probe, is a warning at its `name:` line.
 * Jobs, CronJobs, init containers and containers whose probes the PR did not touch are not judged.
 */
import { describe, expect, it } from "vitest";
import { lines, reviewRule, type RuleRunOptions, type Seen, type Tree } from "../helpers/review.js";

const RULE = "k8s-health-probes";

const READY = ["readinessProbe:", "  httpGet: {path: /actuator/health/readiness, port: http}", "  periodSeconds: 5"];
const LIVE = ["livenessProbe:", "  httpGet: {path: /actuator/health/liveness, port: http}", "  failureThreshold: 3"];
const BOTH = [...READY, ...LIVE];

/** `body` lines indented under a container list item. */
const under = (body: string[], indent = 10) => body.map((l) => `${" ".repeat(indent)}${l}`);

/** A Spring Boot service's Deployment; the container's `- name:` is line 16 (shifted by the lines of `init`). */
function deployment(container: string[] = [], extra: { init?: string[]; sidecar?: string[] } = {}): string {
  return lines(
    "apiVersion: apps/v1", // 1
    "kind: Deployment", // 2
    "metadata:", // 3
    "  name: orders-api", // 4
    "  labels: {app.kubernetes.io/name: orders-api}", // 5
    "spec:", // 6
    "  replicas: 3", // 7
    "  selector:", // 8
    "    matchLabels: {app.kubernetes.io/name: orders-api}", // 9
    "  template:", // 10
    "    metadata:", // 11
    "      labels: {app.kubernetes.io/name: orders-api}", // 12
    "    spec:", // 13
    "      terminationGracePeriodSeconds: 45", // 14
    ...(extra.init ?? []),
    "      containers:", // 15
    "        - name: api", // 16
    "          image: ghcr.io/acme/orders-api:2.14.0", // 17
    "          ports: [{name: http, containerPort: 8080}]", // 18
    "          resources: {requests: {cpu: 250m, memory: 512Mi}, limits: {memory: 1Gi}}", // 19
    ...under(container), // 20-
    ...(extra.sidecar ?? []),
  );
}

/** A Prometheus node-exporter DaemonSet; its container's `- name:` is line 12. */
function daemonSet(container: string[] = []): string {
  return lines(
    "apiVersion: apps/v1", // 1
    "kind: DaemonSet", // 2
    "metadata: {name: node-exporter, namespace: monitoring}", // 3
    "spec:", // 4
    "  selector: {matchLabels: {app: node-exporter}}", // 5
    "  template:", // 6
    "    metadata: {labels: {app: node-exporter}}", // 7
    "    spec:", // 8
    "      hostNetwork: true", // 9
    "      hostPID: true", // 10
    "      containers:", // 11
    "        - name: node-exporter", // 12
    "          image: quay.io/prometheus/node-exporter:v1.8.2",
    "          args: [--path.rootfs=/host]",
    "          ports: [{name: metrics, containerPort: 9100}]",
    ...under(container),
  );
}

/** A RabbitMQ StatefulSet; its container's `- name:` is line 12. */
function statefulSet(container: string[]): string {
  return lines(
    "apiVersion: apps/v1", // 1
    "kind: StatefulSet", // 2
    "metadata: {name: rabbitmq}", // 3
    "spec:", // 4
    "  serviceName: rabbitmq", // 5
    "  replicas: 3", // 6
    "  selector: {matchLabels: {app: rabbitmq}}", // 7
    "  template:", // 8
    "    metadata: {labels: {app: rabbitmq}}", // 9
    "    spec:", // 10
    "      containers:", // 11
    "        - name: rabbitmq", // 12
    "          image: rabbitmq:3.13-management",
    "          ports: [{name: amqp, containerPort: 5672}]",
    ...under(container),
  );
}

/** A chart as `helm create` scaffolds it: probes come from values.yaml; the container's `- name:` is line 13. */
function chart(values: string[], extraValuesFiles: Tree = {}): Tree {
  return {
    "charts/cart/Chart.yaml": lines("apiVersion: v2", "name: cart", "version: 0.3.0", "appVersion: '1.8.0'"),
    "charts/cart/templates/deployment.yaml": lines(
      "apiVersion: apps/v1", // 1
      "kind: Deployment", // 2
      "metadata:", // 3
      "  name: {{ .Release.Name }}-cart", // 4
      "spec:", // 5
      "  replicas: {{ .Values.replicaCount }}", // 6
      "  selector:", // 7
      "    matchLabels: {app.kubernetes.io/name: cart}", // 8
      "  template:", // 9
      "    metadata: {labels: {app.kubernetes.io/name: cart}}", // 10
      "    spec:", // 11
      "      containers:", // 12
      "        - name: {{ .Chart.Name }}", // 13
      '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
      "          ports: [{name: http, containerPort: 8080}]",
      "          {{- with .Values.livenessProbe }}",
      "          livenessProbe:",
      "            {{- toYaml . | nindent 12 }}",
      "          {{- end }}",
      "          {{- with .Values.readinessProbe }}",
      "          readinessProbe:",
      "            {{- toYaml . | nindent 12 }}",
      "          {{- end }}",
    ),
    "charts/cart/values.yaml": lines("replicaCount: 2", "image: {repository: ghcr.io/acme/cart, tag: 1.8.0}", ...values),
    ...extraValuesFiles,
  };
}

const NEW_DEPLOYMENT = 'container "api" in Deployment "orders-api" has no';

interface Case {
  name: string;
  base: Tree;
  head: Tree;
  options?: RuleRunOptions;
  expect: [at: string, severity: string, message: string][];
}

const fire: Case[] = [
  {
    name: "a new Deployment without probes",
    base: {},
    head: { "deploy/k8s/orders-api.yaml": deployment() },
    expect: [["deploy/k8s/orders-api.yaml:16", "warning", `${NEW_DEPLOYMENT} readinessProbe or livenessProbe`]],
  },
  {
    name: "a new StatefulSet with a readiness probe only",
    base: {},
    head: { "k8s/rabbitmq/statefulset.yaml": statefulSet(["readinessProbe:", "  exec: {command: [rabbitmq-diagnostics, -q, ping]}"]) },
    expect: [["k8s/rabbitmq/statefulset.yaml:12", "warning", 'container "rabbitmq" in StatefulSet "rabbitmq" has no livenessProbe']],
  },
  {
    name: "a node-agent DaemonSet without probes",
    base: {},
    head: { "k8s/monitoring/node-exporter.yaml": daemonSet() },
    expect: [
      [
        "k8s/monitoring/node-exporter.yaml:12",
        "warning",
        'container "node-exporter" in DaemonSet "node-exporter" has no readinessProbe or livenessProbe',
      ],
    ],
  },
  {
    name: "a chart scaffolded by helm create whose values.yaml sets no probes",
    base: {},
    head: chart([]),
    expect: [
      ["charts/cart/templates/deployment.yaml:13", "warning", 'container "containers[0]" in Deployment has no readinessProbe or livenessProbe'],
    ],
  },
  {
    name: "a Kustomize base without probes whose overlay patches only the replica count",
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
    expect: [["deploy/base/deployment.yaml:16", "warning", `${NEW_DEPLOYMENT} readinessProbe or livenessProbe`]],
  },
  {
    name: "an existing container whose liveness probe the PR removes",
    base: { "deploy/k8s/orders-api.yaml": deployment(BOTH) },
    head: { "deploy/k8s/orders-api.yaml": deployment(READY) },
    expect: [["deploy/k8s/orders-api.yaml:16", "warning", `${NEW_DEPLOYMENT} livenessProbe (an existing container this PR changes)`]],
  },
  {
    name: "severity error: a new container fails the check",
    base: {},
    head: { "deploy/k8s/orders-api.yaml": deployment(READY) },
    options: { config: { rules: { [RULE]: "error" } } },
    expect: [["deploy/k8s/orders-api.yaml:16", "error", `${NEW_DEPLOYMENT} livenessProbe`]],
  },
  {
    name: "require [startupProbe]: a slow-starting JVM needs one",
    base: {},
    head: { "deploy/k8s/orders-api.yaml": deployment(BOTH) },
    options: { config: { rules: { [RULE]: { require: ["readinessProbe", "livenessProbe", "startupProbe"] } } } },
    expect: [["deploy/k8s/orders-api.yaml:16", "warning", `${NEW_DEPLOYMENT} startupProbe`]],
  },
  {
    name: "sidecars: true judges a native sidecar (init container with restartPolicy: Always)",
    base: {},
    head: {
      "deploy/k8s/orders-api.yaml": deployment(BOTH, {
        init: ["      initContainers:", "        - name: envoy", "          image: envoyproxy/envoy:v1.31.0", "          restartPolicy: Always"],
      }),
    },
    options: { config: { rules: { [RULE]: { sidecars: true } } } },
    expect: [
      ["deploy/k8s/orders-api.yaml:16", "warning", 'sidecar container "envoy" in Deployment "orders-api" has no readinessProbe or livenessProbe'],
    ],
  },
];

const pass: Case[] = [
  {
    name: "a new Deployment with Spring Boot's readiness and liveness probes",
    base: {},
    head: { "deploy/k8s/orders-api.yaml": deployment(BOTH) },
    expect: [],
  },
  {
    name: "a CronJob runs to completion",
    base: {},
    head: {
      "k8s/jobs/cleanup.yaml": lines(
        "apiVersion: batch/v1",
        "kind: CronJob",
        "metadata: {name: cleanup}",
        "spec:",
        "  schedule: '*/30 * * * *'",
        "  jobTemplate:",
        "    spec:",
        "      template:",
        "        spec:",
        "          restartPolicy: Never",
        "          containers:",
        "            - name: cleanup",
        "              image: ghcr.io/acme/cleanup:1.0.0",
      ),
    },
    expect: [],
  },
  {
    name: "a Helm chart whose values.yaml defines both probes",
    base: {},
    head: chart(["livenessProbe: {httpGet: {path: /healthz, port: http}}", "readinessProbe: {httpGet: {path: /readyz, port: http}}"]),
    expect: [],
  },
  {
    name: "a Kustomize base whose overlay patch adds the probes",
    base: {},
    head: {
      "deploy/base/deployment.yaml": deployment(),
      "deploy/base/kustomization.yaml": lines("resources: [deployment.yaml]"),
      "deploy/overlays/production/kustomization.yaml": lines("resources: [../../base]", "patchesStrategicMerge: [probes.yaml]"),
      "deploy/overlays/production/probes.yaml": lines(
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: orders-api}",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "        - name: api",
        ...under(BOTH),
      ),
    },
    expect: [],
  },
  {
    name: "an image bump of a container without probes: the PR did not touch its probes",
    base: { "k8s/monitoring/node-exporter.yaml": daemonSet() },
    head: { "k8s/monitoring/node-exporter.yaml": daemonSet().replace("node-exporter:v1.8.2", "node-exporter:v1.8.3") },
    expect: [],
  },
  {
    name: "a migration init container needs no probes",
    base: {},
    head: {
      "deploy/k8s/orders-api.yaml": deployment(BOTH, {
        init: ["      initContainers:", "        - name: flyway-migrate", "          image: flyway/flyway:10"],
      }),
    },
    expect: [],
  },
  {
    name: "a native sidecar is not judged by default (a mesh proxy's health is the vendor's)",
    base: {},
    head: {
      "deploy/k8s/orders-api.yaml": deployment(BOTH, {
        init: ["      initContainers:", "        - name: envoy", "          image: envoyproxy/envoy:v1.31.0", "          restartPolicy: Always"],
      }),
    },
    expect: [],
  },
  {
    name: "a Helm test Pod (restartPolicy: Never) runs to completion",
    base: {},
    head: {
      "k8s/tests/smoke.yaml": lines(
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: smoke-test, annotations: {helm.sh/hook: test}}",
        "spec:",
        "  restartPolicy: Never",
        "  containers:",
        "    - name: curl",
        "      image: curlimages/curl:8.9.1",
        "      args: [-fsS, http://orders-api/actuator/health]",
      ),
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
