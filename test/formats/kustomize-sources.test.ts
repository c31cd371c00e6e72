import { describe, expect, it } from "vitest";
import { parseStructured } from "../../src/engine/structured.js";
import { isDefinitionsEntry, isRemoteEntry, kustomizeFile, remoteOrigin } from "../../src/formats/kubernetes/kustomize-sources.js";

describe("Kustomize remote sources", () => {
  it.each([
    ["https://raw.githubusercontent.com/movetokube/postgres-operator/1.1.1/deploy/operator.yaml", "github.com/movetokube/postgres-operator"],
    ["github.com/rancher/system-upgrade-controller?ref=v0.9.1", "github.com/rancher/system-upgrade-controller"],
    [
      "https://github.com/rancher/system-upgrade-controller/releases/download/v0.13.2/system-upgrade-controller.yaml",
      "github.com/rancher/system-upgrade-controller",
    ],
    ["git@github.com:Org/App.git//deploy/overlays/prod?ref=main", "github.com/org/app"],
    ["https://storage.googleapis.com/tekton-releases/pipeline/latest/release.yaml", "storage.googleapis.com/tekton-releases/pipeline"],
  ])("%s comes from %s", (entry, origin) => {
    expect(isRemoteEntry(entry)).toBe(true);
    expect(remoteOrigin(entry)).toBe(origin);
  });

  it.each(["helmrelease.yaml", "./app", "../../base/podinfo", "clusters/prod", "config.d/foo.yaml"])("%s is local", (entry) => {
    expect(isRemoteEntry(entry)).toBe(false);
  });

  it.each([
    ["github.com/kubernetes-sigs/node-feature-discovery/deployment/base/nfd-crds?ref=v0.10.1", true],
    ["https://github.com/cert-manager/cert-manager/releases/download/v1.8.0/cert-manager.crds.yaml", true],
    ["https://github.com/kubernetes-csi/external-snapshotter//client/config/crd?ref=v6.1.0", true],
    ["https://raw.githubusercontent.com/prometheus-operator/kube-prometheus/v0.8.0/manifests/grafana-dashboardDefinitions.yaml", true],
    ["https://github.com/kubernetes-csi/external-snapshotter//deploy/kubernetes/snapshot-controller?ref=v6.1.0", false],
    ["https://github.com/grafana-dashboards/operator/deploy/operator.yaml", false],
  ])("%s brings only definitions: %s", (entry, expected) => {
    expect(isDefinitionsEntry(entry)).toBe(expected);
  });

  it("reads remote resources and helmCharts with their lines, leaves local entries and Components apart", () => {
    const doc = parseStructured(
      [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "resources:",
        "  - namespace.yaml",
        "  - https://raw.githubusercontent.com/movetokube/postgres-operator/1.1.1/deploy/operator.yaml",
        "helmCharts:",
        "  - name: ingress-nginx",
        "    repo: https://kubernetes.github.io/ingress-nginx/",
        "",
      ].join("\n"),
    ).docs[0]!;
    expect(kustomizeFile(doc)).toEqual({
      kind: "Kustomization",
      localEntries: ["namespace.yaml"],
      sources: [
        {
          origin: "github.com/movetokube/postgres-operator",
          label: "https://raw.githubusercontent.com/movetokube/postgres-operator/1.1.1/deploy/operator.yaml",
          line: 5,
        },
        { origin: "helm https://kubernetes.github.io/ingress-nginx ingress-nginx", label: "Helm chart ingress-nginx", line: 7 },
      ],
    });
    const component = parseStructured("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ./pvc.yaml\n").docs[0]!;
    expect(kustomizeFile(component)?.kind).toBe("Component");
    const flux = parseStructured("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: x\n").docs[0]!;
    expect(kustomizeFile(flux)).toBeUndefined();
  });
});
