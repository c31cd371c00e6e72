import { describe, expect, it } from "vitest";
import { parseStructured } from "../../src/engine/structured.js";
import { manifestTuning, valuesTuning } from "../../src/formats/kubernetes/tuning.js";

const deployment = (o: { replicas?: number; cpu?: string; image?: string; port?: number; env?: boolean } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: ${o.replicas ?? 3}
  selector:
    matchLabels:
      app: orders
  template:
    metadata:
      labels:
        app: orders
    spec:
      containers:
        - name: orders
          image: ${o.image ?? "ghcr.io/acme/orders:1.4.0"}
          ports:
            - containerPort: ${o.port ?? 8080}
${o.env ? '          env:\n            - name: FEATURE_REFUNDS\n              value: "on"\n' : ""}          resources:
            requests:
              cpu: ${o.cpu ?? "100m"}
              memory: 128Mi
`;

const hpa = (min: number, max: number, target = 70) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: orders
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: orders
  minReplicas: ${min}
  maxReplicas: ${max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: ${target}
`;

const tuning = (a: string, b: string) => manifestTuning(parseStructured(a), parseStructured(b));

describe("manifestTuning: a change that only scales or tunes existing workloads", () => {
  it("a replica bump", () => {
    expect(tuning(deployment(), deployment({ replicas: 5 }))).toEqual(["replicas"]);
  });

  it("resources together with an image tag of the same image", () => {
    expect(tuning(deployment(), deployment({ cpu: "250m", image: "ghcr.io/acme/orders:1.5.0" }))).toEqual(["resources", "image tag"]);
  });

  it("HPA bounds and target next to the Deployment in a multi-document file", () => {
    expect(tuning(`${deployment()}---\n${hpa(2, 10)}`, `${deployment()}---\n${hpa(3, 20, 60)}`)).toEqual(["autoscaling bounds"]);
  });

  it("a Kustomization's replica count and image tag", () => {
    const k = (count: number, tag: string) =>
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\nreplicas:\n  - name: orders\n    count: ${count}\nimages:\n  - name: ghcr.io/acme/orders\n    newTag: "${tag}"\n`;
    expect(tuning(k(2, "1.4.0"), k(4, "1.4.1"))).toEqual(["replicas", "image tag"]);
  });
});

describe("manifestTuning: anything else is not tuning", () => {
  it("a new port", () => {
    expect(tuning(deployment(), deployment({ replicas: 5, port: 9090 }))).toBeUndefined();
  });

  it("a new environment variable (a feature switched on)", () => {
    expect(tuning(deployment(), deployment({ env: true }))).toBeUndefined();
  });

  it("another image", () => {
    expect(tuning(deployment(), deployment({ image: "ghcr.io/acme/refunds:1.4.0" }))).toBeUndefined();
  });

  it("an object added next to the workload", () => {
    expect(tuning(deployment(), `${deployment({ replicas: 4 })}---\n${hpa(2, 10)}`)).toBeUndefined();
  });

  it("no change at all, or a file that does not parse", () => {
    expect(tuning(deployment(), deployment())).toBeUndefined();
    expect(tuning(deployment(), `${deployment({ replicas: 4 })}\n  bad: [`)).toBeUndefined();
  });
});

describe("valuesTuning: Helm values", () => {
  const values = (o: { replicaCount?: number; tag?: string; max?: number; ingress?: boolean } = {}) => `replicaCount: ${o.replicaCount ?? 2}
image:
  repository: ghcr.io/acme/orders
  tag: "${o.tag ?? "1.4.0"}"
autoscaling:
  enabled: true
  minReplicas: 2
  maxReplicas: ${o.max ?? 10}
ingress:
  enabled: ${o.ingress ?? false}
`;
  const run = (a: string, b: string) => valuesTuning(parseStructured(a), parseStructured(b));

  it("replicaCount, autoscaling bounds and image.tag are tuning", () => {
    expect(run(values(), values({ replicaCount: 4, max: 20, tag: "1.5.0" }))).toEqual(["replicas", "image tag", "autoscaling bounds"]);
  });

  it("switching the ingress on is not", () => {
    expect(run(values(), values({ replicaCount: 4, ingress: true }))).toBeUndefined();
  });
});
