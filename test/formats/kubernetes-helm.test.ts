import { describe, expect, it } from "vitest";
import { parseStructured } from "../../src/engine/structured.js";
import { OPAQUE_REF, readHelmTemplate, sanitizeHelmTemplate, spliceReference, TEMPLATED, VALUES_REF } from "../../src/formats/kubernetes/helm.js";
import { lookupValues, mergeValues, resolveValue, walk } from "../../src/formats/kubernetes/values.js";

function sanitized(template: string): { text: string; value: unknown } {
  const text = sanitizeHelmTemplate(template);
  const parsed = parseStructured(text);
  expect(parsed.errors).toEqual([]);
  return { text, value: parsed.docs[0]?.value };
}

describe("sanitizeHelmTemplate", () => {
  it("keeps the number of lines", () => {
    const template = "a: 1\n{{- if .Values.x }}\nb: {{ .Values.b }}\n{{- end }}\nc: 3\n";
    expect(sanitizeHelmTemplate(template).split("\n")).toHaveLength(template.split("\n").length);
  });

  it.each([
    ["splice on the key's line", "resources: {{- toYaml .Values.resources | nindent 12 }}\n", { resources: `${VALUES_REF}resources` }],
    [
      "splice on the line after the key",
      "resources:\n  {{- toYaml .Values.resources | nindent 2 }}\nname: x\n",
      { resources: { __archgate_splice_1__: `${VALUES_REF}resources` }, name: "x" },
    ],
    [
      "with block binds the dot",
      "{{- with .Values.livenessProbe }}\nlivenessProbe:\n  {{- toYaml . | nindent 2 }}\n{{- end }}\n",
      { livenessProbe: { __archgate_splice_1__: `${VALUES_REF}livenessProbe` } },
    ],
    ["single values reference as a scalar", "cpu: {{ .Values.cpu | quote }}\n", { cpu: `${VALUES_REF}cpu` }],
    ["root-scoped values reference", "cpu: {{ $.Values.res.cpu }}\n", { cpu: `${VALUES_REF}res.cpu` }],
    [
      "bitnami tplvalues.render",
      'resources: {{- include "common.tplvalues.render" (dict "value" .Values.resources "context" $) | nindent 12 }}\n',
      { resources: `${VALUES_REF}resources` },
    ],
    [
      "other inline actions become templated text",
      'image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
      { image: `${TEMPLATED}:${TEMPLATED}` },
    ],
    ["comments are dropped", "{{/* a comment */}}\na: 1\n", { a: 1 }],
    [
      "a helper spliced among literal labels becomes an opaque entry",
      'labels:\n  {{- include "app.labels" . | nindent 2 }}\n  team: cart\n',
      { labels: { __archgate_splice_1__: `${OPAQUE_REF}include "app.labels" . | nindent 2`, team: "cart" } },
    ],
    [
      "a helper spliced as a key's whole value is opaque",
      'labels:\n  {{- include "app.labels" . | nindent 2 }}\nspec: {}\n',
      { labels: { __archgate_splice_1__: `${OPAQUE_REF}include "app.labels" . | nindent 2` }, spec: {} },
    ],
  ])("%s", (_name, template, expected) => {
    expect(sanitized(template).value).toEqual(expected);
  });

  it("a splice among list items is an item, found from the nearest sibling above", () => {
    const template =
      "env:\n  - name: A\n    valueFrom:\n      secretKeyRef: {key: k}\n  {{- with .Values.extraEnv }}\n  {{- toYaml . | nindent 2 }}\n  {{- end }}\nports: []\n";
    expect(sanitized(template).value).toEqual({
      env: [{ name: "A", valueFrom: { secretKeyRef: { key: "k" } } }, `${VALUES_REF}extraEnv`],
      ports: [],
    });
  });

  it("blanks a comment spanning lines, template text inside included", () => {
    const { text, value } = sanitized('{{/*\nkind: Pod\nname: "{{ include "x" . }}"\n*/}}\nkind: ConfigMap\n');
    expect(text.split("\n")[4]).toBe("kind: ConfigMap");
    expect(value).toEqual({ kind: "ConfigMap" });
  });

  it("blanks an action that spans lines", () => {
    const { text, value } = sanitized('{{- $x := dict\n  "a" 1 }}\nkey: v\n');
    expect(text.split("\n")[2]).toBe("key: v");
    expect(value).toEqual({ key: "v" });
  });

  it("sequence splices become opaque items", () => {
    const { value } = sanitized('containers:\n  {{- include "app.sidecars" . | nindent 2 }}\n  - name: app\n    image: x\n');
    expect(value).toEqual({ containers: [`${OPAQUE_REF}include "app.sidecars" . | nindent 2`, { name: "app", image: "x" }] });
  });
});

describe("readHelmTemplate conditions", () => {
  it("records the simple values tests each line needs, else branches negated", () => {
    const template = [
      "a: 1", // 1
      "{{- if .Values.sidecar.enabled }}", // 2
      "b: 2", // 3
      "{{- else if not .Values.legacy }}", // 4
      "c: 3", // 5
      "{{- else }}", // 6
      "d: 4", // 7
      "{{- end }}", // 8
      "{{- with .Values.extra }}", // 9
      "e: {{ .x }}", // 10
      "{{- end }}", // 11
      "{{- if and .Values.a .Values.b }}", // 12
      "f: 6", // 13
      "{{- end }}", // 14
    ].join("\n");
    const { conditions } = readHelmTemplate(template);
    expect(conditions.get(1)).toBeUndefined();
    expect(conditions.get(3)).toEqual([{ path: "sidecar.enabled", negate: false }]);
    expect(conditions.get(5)).toEqual([
      { path: "sidecar.enabled", negate: true },
      { path: "legacy", negate: true },
    ]);
    expect(conditions.get(7)).toEqual([
      { path: "sidecar.enabled", negate: true },
      { path: "legacy", negate: false },
    ]);
    expect(conditions.get(10)).toEqual([{ path: "extra", negate: false }]);
    expect(conditions.get(13)).toBeUndefined();
  });
});

describe("spliceReference", () => {
  it("names values paths and marks the rest opaque", () => {
    expect(spliceReference("toYaml .Values.a.b | nindent 4", [])).toBe(`${VALUES_REF}a.b`);
    expect(spliceReference('include "common.resources.preset" (dict "type" .Values.resourcesPreset) | nindent 12', [])).toBe(
      `${OPAQUE_REF}include "common.resources.preset" (dict "type" .Values.resourcesPreset) | nindent 12`,
    );
    expect(spliceReference("toYaml . | nindent 4", [{ kind: "with", dot: "probe", conditions: [], previous: [] }])).toBe(`${VALUES_REF}probe`);
    expect(spliceReference("toYaml . | nindent 4", [{ kind: "range", conditions: [], previous: [] }])).toMatch(/^__archgate_opaque__:/);
  });
});

describe("values", () => {
  it("resolves references against values and merges environment files over values.yaml", () => {
    const values = { resources: { limits: { memory: "1Gi" } } };
    expect(resolveValue(`${VALUES_REF}resources.limits.memory`, values)).toBe("1Gi");
    expect(resolveValue(`${VALUES_REF}resources.requests`, values)).toBeUndefined();
    expect(resolveValue(`${OPAQUE_REF}x`, values)).toEqual({ opaque: "x" });
    expect(lookupValues({ a: 1 }, "a.b")).toBeUndefined();
    expect(mergeValues({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 3 }, d: null })).toEqual({ a: { b: 3, c: 2 } });
  });

  it("merges splice entries into their map; a hidden splice makes missing keys opaque", () => {
    const values = { podLabels: { team: "a" } };
    const map = { app: "x", __archgate_splice_1__: `${VALUES_REF}podLabels` };
    expect(resolveValue(map, values)).toEqual({ app: "x", team: "a" });
    const hidden = { app: "x", __archgate_splice_1__: `${OPAQUE_REF}include "l"` };
    expect(walk({ labels: hidden }, ["labels", "team"], values)).toEqual({ opaque: 'include "l"' });
    expect(walk({ labels: hidden }, ["labels", "app"], values)).toBe("x");
    expect(resolveValue({ __archgate_splice_1__: `${OPAQUE_REF}include "l"` }, values)).toEqual({ opaque: 'include "l"' });
  });
});
