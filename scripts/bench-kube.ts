/**
 * `npm run bench:kube -- <folder>`: agreement of k8s-resource-limits and k8s-health-probes with the
 * expectations of two public suites (a script that prints figures, not a test).
 *
 * <folder> holds, extracted from the upstream repositories (never committed here):
 *   score/testdata/*.yaml, score/*_test.go           from github:zegl/kube-score
 *   tests/checks/*.yml, e2etests/bats-tests.sh         from github:stackrox/kube-linter
 *
 * Expected verdicts come from the suites' own assertions:
 * - kube-score: `testExpectedScore(t, "<file>", "Container Resources" | "Pod Probes", scorecard.Grade<X>)`
 *   grades the first object of the file that ran the check. Resources: anything but AllOK is a
 *   violation. Probes: Critical (no readiness probe on a pod a Service targets) is a violation; a
 *   missing liveness probe is only AlmostOK there.
 * - kube-linter: `lint --include <check>` on tests/checks/<check>.yml reports exactly the objects not
 *   named "dont-fire" (the bats test asserts the count and the messages).
 * Every manifest is reviewed as a newly added file, with the rule configured to ask what the peer's
 * check asks (e.g. only `limits.memory` for unset-memory-requirements), so verdicts are comparable.
 *
 * `--charts <dir>` (optional): every Helm chart directly under <dir> (e.g. `charts/` of
 * github:prometheus-community/helm-charts) is reviewed as newly added with default options, to measure
 * how many workload templates the Helm reader can judge without rendering.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";

import { changeFromTrees } from "../src/engine/memory-change.js";
import { isRecord, parseStructured } from "../src/engine/structured.js";
import type { RuleModule } from "../src/engine/types.js";
import { k8sHealthProbes } from "../src/rules/k8s-health-probes.js";
import { k8sResourceLimits } from "../src/rules/k8s-resource-limits.js";
import { POD_SPEC_PATH } from "../src/formats/kubernetes/objects.js";
import { reviewChange, validateConfig } from "../src/builtins.js";
import { noteText } from "../src/engine/types.js";

const { positionals, values: flags } = parseArgs({ allowPositionals: true, options: { charts: { type: "string" } } });
const folder = positionals[0];
if (!folder || !existsSync(folder)) {
  console.error("usage: npm run bench:kube -- <folder with score/ (kube-score) and tests/checks/ + e2etests/ (kube-linter)>");
  process.exit(2);
}

interface Case {
  suite: string;
  check: string;
  file: string;
  /** Name of the object judged. */
  object: string;
  expected: boolean;
  actual: boolean;
  /** Why ours differs on purpose, when it is one of the documented differences. */
  onPurpose?: string;
}

interface ObjectDoc {
  kind: string;
  name: string;
  namespace: string;
  startLine: number;
  value: Record<string, unknown>;
}

function objectsOf(text: string): ObjectDoc[] {
  return parseStructured(text).docs.flatMap((doc) => {
    const v = doc.value;
    if (!isRecord(v) || typeof v.kind !== "string") return [];
    const metadata = isRecord(v.metadata) ? v.metadata : {};
    return [
      {
        kind: v.kind,
        name: String(metadata.name ?? ""),
        namespace: String(metadata.namespace ?? ""),
        startLine: doc.startLine,
        value: v,
      },
    ];
  });
}

/** Runs one rule on `text` as a newly added file; returns the lines it reported. */
async function findingLines(rule: RuleModule<any>, options: Record<string, unknown>, path: string, text: string): Promise<number[]> {
  const change = changeFromTrees({}, { [path]: text });
  const config = validateConfig({ rules: { [rule.meta.id]: { severity: "error", ...options } } }, "bench");
  const report = await reviewChange(change, config, { rules: [rule], triggers: [] });
  if (report.problems.length > 0) throw new Error(`${path}: ${report.problems.map((p) => p.message).join("; ")}`);
  return report.findings.filter((f) => f.rule === rule.meta.id).map((f) => f.line ?? 0);
}

/** Whether a finding falls inside `object` (documents are contiguous). */
function inObject(lines: number[], objects: ObjectDoc[], object: ObjectDoc): boolean {
  const next = objects.find((o) => o.startLine > object.startLine)?.startLine ?? Number.POSITIVE_INFINITY;
  return lines.some((l) => l >= object.startLine && l < next);
}

function podTemplate(object: ObjectDoc): { labels: Record<string, unknown>; spec: Record<string, unknown> } | undefined {
  const path = POD_SPEC_PATH[object.kind];
  if (!path) return undefined;
  const spec = path.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), object.value);
  const metaPath = path.slice(0, -1);
  const holder = metaPath.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), object.value);
  const labels = isRecord(holder) && isRecord(holder.metadata) && isRecord(holder.metadata.labels) ? holder.metadata.labels : {};
  return isRecord(spec) ? { labels, spec } : undefined;
}

function targetedByService(objects: ObjectDoc[], object: ObjectDoc): boolean {
  const pod = podTemplate(object);
  if (!pod) return false;
  return objects.some((s) => {
    if (s.kind !== "Service" || s.namespace !== object.namespace) return false;
    const selector = isRecord(s.value.spec) && isRecord(s.value.spec.selector) ? s.value.spec.selector : undefined;
    return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => pod.labels[k] === v);
  });
}

const cases: Case[] = [];

// ---------------------------------------------------------------- kube-score
const scoreDir = join(folder, "score");
if (existsSync(scoreDir)) {
  const tests = readdirSync(scoreDir)
    .filter((f) => f.endsWith("_test.go"))
    .map((f) => readFileSync(join(scoreDir, f), "utf8"))
    .join("\n");
  const assertions: { file: string; check: string; grade: string; ignoreCpuLimit: boolean; ignoreMemoryLimit: boolean }[] = [];
  for (const m of tests.matchAll(
    /testExpectedScore\(t, ("[^"]+"(?:\s*\+\s*v\s*\+\s*"[^"]+")?), "(Container Resources|Pod Probes)", scorecard\.Grade(\w+)\)/g,
  )) {
    const expr = m[1]!;
    // `"cronjob-"+v+"-deadline-not-set.yaml"` runs for both batch API versions.
    const files =
      expr.includes("+ v +") || expr.includes("+v+")
        ? ["batchv1beta1", "batchv1"].map((v) => expr.replace(/"\s*\+\s*v\s*\+\s*"/, v).replace(/"/g, ""))
        : [expr.replace(/"/g, "")];
    for (const file of files) assertions.push({ file, check: m[2]!, grade: m[3]!, ignoreCpuLimit: false, ignoreMemoryLimit: false });
  }
  for (const m of tests.matchAll(
    /testExpectedScoreWithConfig\(t, \[\]ks\.NamedReader\{testFile\("([^"]+)"\)\}, nil, &config\.RunConfiguration\{([^{}]*)\}, "(Container Resources)", scorecard\.Grade(\w+)\)/g,
  )) {
    assertions.push({
      file: m[1]!,
      check: m[3]!,
      grade: m[4]!,
      ignoreCpuLimit: /IgnoreContainerCpuLimitRequirement:\s*true/.test(m[2]!),
      ignoreMemoryLimit: /IgnoreContainerMemoryLimitRequirement:\s*true/.test(m[2]!),
    });
  }
  for (const a of assertions) {
    const path = join(scoreDir, "testdata", a.file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, "utf8");
    const objects = objectsOf(text);
    const judged = objects.find((o) => POD_SPEC_PATH[o.kind]);
    if (!judged) continue;
    if (a.check === "Container Resources") {
      const require = [
        "requests.cpu",
        "requests.memory",
        ...(a.ignoreCpuLimit ? [] : ["limits.cpu"]),
        ...(a.ignoreMemoryLimit ? [] : ["limits.memory"]),
      ];
      const lines = await findingLines(k8sResourceLimits, { require }, a.file, text);
      const pod = podTemplate(judged);
      const containers = pod
        ? [
            ...(Array.isArray(pod.spec.containers) ? pod.spec.containers : []),
            ...(Array.isArray(pod.spec.initContainers) ? pod.spec.initContainers : []),
          ]
        : [];
      const limitsWithoutRequests = containers.some(
        (c) => isRecord(c) && isRecord(c.resources) && isRecord(c.resources.limits) && !isRecord(c.resources.requests),
      );
      cases.push({
        suite: "kube-score",
        check: a.check,
        file: a.file,
        object: judged.name,
        expected: a.grade !== "AllOK",
        actual: inObject(lines, objects, judged),
        onPurpose: limitsWithoutRequests ? "requests left out next to limits: Kubernetes defaults them to the limits (kube-score warns)" : undefined,
      });
    } else {
      const lines = await findingLines(k8sHealthProbes, { require: ["readinessProbe"] }, a.file, text);
      const targeted = targetedByService(objects, judged);
      const pod = podTemplate(judged);
      const all = pod
        ? [
            ...(Array.isArray(pod.spec.initContainers) ? pod.spec.initContainers : []),
            ...(Array.isArray(pod.spec.containers) ? pod.spec.containers : []),
          ]
        : [];
      const probedOnSome = all.some((c) => isRecord(c) && c.readinessProbe) && all.some((c) => isRecord(c) && !c.readinessProbe);
      cases.push({
        suite: "kube-score",
        check: a.check,
        file: a.file,
        object: judged.name,
        expected: a.grade === "Critical",
        actual: inObject(lines, objects, judged),
        onPurpose:
          !targeted && POD_SPEC_PATH[judged.kind] && !["Job", "CronJob"].includes(judged.kind)
            ? "pod not targeted by a Service in the same file: kube-score skips it, we judge every long-running container"
            : probedOnSome
              ? "kube-score counts a probe on any container of the pod (init containers too); we require it per long-running container"
              : undefined,
      });
    }
  }
}

// ---------------------------------------------------------------- kube-linter
const linterChecks: Record<string, { rule: RuleModule<any>; options: Record<string, unknown> }> = {
  "no-liveness-probe": { rule: k8sHealthProbes, options: { require: ["livenessProbe"] } },
  "no-readiness-probe": { rule: k8sHealthProbes, options: { require: ["readinessProbe"] } },
  "unset-cpu-requirements": { rule: k8sResourceLimits, options: { require: ["requests.cpu"] } },
  "unset-memory-requirements": { rule: k8sResourceLimits, options: { require: ["limits.memory"] } },
};
const bats = join(folder, "e2etests", "bats-tests.sh");
const batsText = existsSync(bats) ? readFileSync(bats, "utf8") : "";
for (const [check, { rule, options }] of Object.entries(linterChecks)) {
  const path = join(folder, "tests", "checks", `${check}.yml`);
  if (!existsSync(path)) continue;
  const text = readFileSync(path, "utf8");
  const objects = objectsOf(text);
  const block = batsText.split("@test ").find((b) => b.startsWith(`"${check}"`)) ?? "";
  const count = Number(/\[\[ "\$\{count\}" == "(\d+)" \]\]/.exec(block)?.[1] ?? NaN);
  const firing = objects.filter((o) => o.name !== "dont-fire");
  if (firing.length !== count)
    console.warn(`kube-linter ${check}: ${firing.length} objects not named dont-fire, bats expects ${count}; check the derivation`);
  const lines = await findingLines(rule, options, `${check}.yml`, text);
  for (const object of objects) {
    cases.push({
      suite: "kube-linter",
      check,
      file: `${check}.yml`,
      object: `${object.kind}/${object.name}`,
      expected: object.name !== "dont-fire",
      actual: inObject(lines, objects, object),
      onPurpose: POD_SPEC_PATH[object.kind] ? undefined : `${object.kind} is OpenShift-specific: not a workload kind we read`,
    });
  }
}

// ---------------------------------------------------------------- robustness: every kube-score manifest with defaults
let files = 0;
let findings = 0;
let notes = 0;
let problems = 0;
const started = performance.now();
if (existsSync(join(scoreDir, "testdata"))) {
  for (const file of readdirSync(join(scoreDir, "testdata"))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const change = changeFromTrees({}, { [`k8s/${file}`]: readFileSync(join(scoreDir, "testdata", file), "utf8") });
    const report = await reviewChange(change, validateConfig({}, "bench"), { rules: [k8sHealthProbes, k8sResourceLimits], triggers: [] });
    files++;
    findings += report.findings.length;
    notes += report.notes.map(noteText).length;
    problems += report.problems.length;
  }
}
const elapsed = performance.now() - started;

// ---------------------------------------------------------------- figures
const pct = (n: number, d: number) => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}%`);
console.log("suite        check                      cases  agree  raw      comparable  agree  rate");
for (const key of [...new Set(cases.map((c) => `${c.suite}\0${c.check}`))]) {
  const [suite, check] = key.split("\0");
  const group = cases.filter((c) => c.suite === suite && c.check === check);
  const agree = group.filter((c) => c.expected === c.actual).length;
  const comparable = group.filter((c) => !c.onPurpose);
  const comparableAgree = comparable.filter((c) => c.expected === c.actual).length;
  console.log(
    `${suite!.padEnd(12)} ${check!.padEnd(26)} ${String(group.length).padStart(5)}  ${String(agree).padStart(5)}  ${pct(agree, group.length).padEnd(7)}  ${String(comparable.length).padStart(10)}  ${String(comparableAgree).padStart(5)}  ${pct(comparableAgree, comparable.length)}`,
  );
}
const comparable = cases.filter((c) => !c.onPurpose);
const agreeing = comparable.filter((c) => c.expected === c.actual).length;
console.log(`\noverall agreement where semantics match: ${agreeing}/${comparable.length} = ${pct(agreeing, comparable.length)} (target >= 95%)`);
console.log(
  `raw agreement (all cases): ${cases.filter((c) => c.expected === c.actual).length}/${cases.length} = ${pct(cases.filter((c) => c.expected === c.actual).length, cases.length)}`,
);
const differences = cases.filter((c) => c.expected !== c.actual);
if (differences.length > 0) {
  console.log("\ndisagreements:");
  for (const c of differences) {
    console.log(
      `  ${c.suite} ${c.check} ${c.file} ${c.object}: expected ${c.expected ? "violation" : "pass"}, ours ${c.actual ? "violation" : "pass"}${c.onPurpose ? ` — on purpose: ${c.onPurpose}` : " — UNEXPLAINED"}`,
    );
  }
}
console.log(
  `\nrobustness: ${files} kube-score manifests reviewed with default options in ${elapsed.toFixed(0)} ms: ${findings} findings, ${notes} notes, ${problems} problems, 0 crashes`,
);

// ---------------------------------------------------------------- Helm charts read without rendering
if (flags.charts) {
  const readTree = (dir: string, base: string, out: Record<string, string>) => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) readTree(full, base, out);
      else out[relative(base, full).split("\\").join("/")] = readFileSync(full, "utf8");
    }
  };
  const workloadKind = new RegExp(`^\\s*kind:\\s*(${Object.keys(POD_SPEC_PATH).join("|")})\\b`, "m");
  let charts = 0;
  let templates = 0;
  let unreadable = 0;
  let hidden = 0;
  let conditional = 0;
  let chartFindings = 0;
  const chartsStarted = performance.now();
  for (const name of readdirSync(flags.charts).sort()) {
    const dir = join(flags.charts, name);
    if (!existsSync(join(dir, "Chart.yaml"))) continue;
    const tree: Record<string, string> = {};
    readTree(dir, flags.charts, tree);
    charts++;
    templates += Object.entries(tree).filter(([p, t]) => /\/templates\/.*\.ya?ml$/.test(p) && workloadKind.test(t)).length;
    const report = await reviewChange(changeFromTrees({}, tree), validateConfig({}, "bench"), {
      rules: [k8sHealthProbes, k8sResourceLimits],
      triggers: [],
    });
    chartFindings += report.findings.length;
    unreadable += report.notes.map(noteText).filter((n) => n.includes("could not be read without rendering")).length;
    hidden += report.notes.map(noteText).filter((n) => n.includes("template helper") || n.includes("spliced in by the template")).length;
    conditional += report.notes.map(noteText).filter((n) => n.includes("renders only when")).length;
    if (report.problems.length > 0) console.log(`  ${name}: ${report.problems.map((p) => p.message).join("; ")}`);
  }
  console.log(
    `\nhelm: ${charts} charts, ${templates} workload templates: ${templates - unreadable} read without rendering (${pct(templates - unreadable, templates)}), ${unreadable} named in a note; ` +
      `${hidden} settings hidden by helpers and ${conditional} containers/workloads behind disabled values noted; ${chartFindings} findings in ${(performance.now() - chartsStarted).toFixed(0)} ms`,
  );
}
