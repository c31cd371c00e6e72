/**
 * Agreement with Confluent Schema Registry's compatibility verdicts (and, optionally, with buf's breaking rules).
 *
 *   npm run bench:schema-registry -- <folder> [--buf <buf-folder>]
 *
 * <folder> is a checkout (or `git archive` extract) of github:confluentinc/schema-registry holding
 *   json-schema-provider/src/test/resources/diff-*.json   ({original_schema, update_schema, compatible})
 *   protobuf-provider/src/test/resources/diff-*.json      (.proto texts, imports as *_dependencies)
 * Each pair runs through our checks (JSON Schema: `diffJsonSchemas` in backward mode, what Confluent's diff
 * judges; Protobuf: `diffProtoMessages` at wire level) and "compatible" means no break. Prints agreement
 * overall and per format, then every disagreement. Not a test: the suite is third-party and not committed.
 *
 * With `--buf <buf-folder>` (a checkout of github:bufbuild/buf) it also runs our Protobuf diff on buf's
 * `private/bufpkg/bufcheck/testdata/breaking/{previous,current}/<case>` pairs for the buf rules we implement
 * and compares with the annotations `breaking_test.go` expects (per file and rule; lines where both have one).
 */
import { BUF_RULES } from "./lib/buf-rules.js";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { diffJsonSchemas, schemaFromValue } from "../src/formats/json-schema/diff.js";
import { diffProtoMessages, diffProtoServices, parseProto, parseProtoFiles, type ProtoImport } from "../src/formats/protobuf/protobuf.js";

interface Outcome {
  format: "json-schema" | "protobuf";
  file: string;
  index: number;
  description: string;
  expected: boolean;
  /** Confluent's verdict with its lenient rule set, when the case gives one. */
  expectedLenient?: boolean;
  actual: boolean | "error";
  detail: string;
}

const args = process.argv.slice(2);
const bufIndex = args.indexOf("--buf");
const bufFolder = bufIndex >= 0 ? args[bufIndex + 1] : undefined;
const folder = args.find((a, i) => (!a.startsWith("--") && i !== bufIndex + 1) || (bufIndex < 0 && !a.startsWith("--")));
if (!folder || !existsSync(folder) || (bufIndex >= 0 && (!bufFolder || !existsSync(bufFolder)))) {
  console.error("usage: npm run bench:schema-registry -- <schema-registry checkout> [--buf <buf checkout>]");
  process.exit(2);
}

function casesIn(dir: string): { file: string; cases: Record<string, unknown>[] }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^diff-.*\.json$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      // Some files have trailing commas; YAML flow syntax accepts them (and all of JSON).
      const cases = parseYaml(text, { uniqueKeys: false }) as Record<string, unknown>[];
      return { file, cases };
    });
}

const outcomes: Outcome[] = [];

for (const { file, cases } of casesIn(join(folder, "json-schema-provider/src/test/resources"))) {
  cases.forEach((c, index) => {
    const expected = Boolean(c.compatible);
    let actual: boolean | "error";
    let detail = "";
    try {
      const breaks = diffJsonSchemas(schemaFromValue("original", c.original_schema), schemaFromValue("update", c.update_schema), "backward");
      actual = breaks.length === 0;
      detail = breaks.map((b) => `${b.change} ${b.path}`).join("; ");
    } catch (error) {
      actual = "error";
      detail = (error as Error).message;
    }
    const expectedLenient = typeof c.compatible_lenient === "boolean" ? c.compatible_lenient : undefined;
    outcomes.push({ format: "json-schema", file, index, description: String(c.description), expected, expectedLenient, actual, detail });
  });
}

/** A schema given as a resource path (…/DecimalValue.proto) instead of text is read from the suite. */
function protoText(value: unknown, resources: string): string {
  const text = String(value);
  if (/^[\w./-]+\.proto$/.test(text.trim()) && existsSync(join(resources, text.trim()))) return readFileSync(join(resources, text.trim()), "utf8");
  return text;
}

function imports(list: unknown): ProtoImport[] {
  return Array.isArray(list) ? list.map((d) => ({ name: String(d.name), text: String(d.dependency) })) : [];
}

const protoResources = join(folder, "protobuf-provider/src/test/resources");
for (const { file, cases } of casesIn(protoResources)) {
  cases.forEach((c, index) => {
    const expected = Boolean(c.compatible);
    let actual: boolean | "error";
    let detail = "";
    const base = parseProto(protoText(c.original_schema, protoResources), imports(c.original_dependencies));
    const head = parseProto(protoText(c.update_schema, protoResources), imports(c.update_dependencies));
    if (!base.ok || !head.ok) {
      actual = "error";
      detail = !base.ok ? `original line ${base.line}: ${base.message}` : !head.ok ? `update line ${head.line}: ${head.message}` : "";
    } else {
      const breaks = diffProtoMessages(base.schema, head.schema);
      actual = breaks.length === 0;
      detail = breaks.map((b) => `${b.rule} ${b.key}`).join("; ");
    }
    outcomes.push({ format: "protobuf", file, index, description: String(c.description), expected, actual, detail });
  });
}

if (outcomes.length === 0) {
  console.error(`no diff-*.json cases found under ${folder}`);
  process.exit(2);
}

const pct = (n: number, d: number) => (d === 0 ? "n/a" : (n / d).toFixed(3));
const summarize = (label: string, list: Outcome[]) => {
  const agree = list.filter((o) => o.actual === o.expected).length;
  const errors = list.filter((o) => o.actual === "error").length;
  const breaking = list.filter((o) => !o.expected);
  const caught = breaking.filter((o) => o.actual === false).length;
  const compatible = list.filter((o) => o.expected);
  const falseAlarms = compatible.filter((o) => o.actual === false).length;
  console.log(
    `${label.padEnd(48)} cases ${String(list.length).padStart(4)}  agreement ${pct(agree, list.length)}  ` +
      `breaks caught ${caught}/${breaking.length}  false alarms ${falseAlarms}/${compatible.length}  errors ${errors}`,
  );
};

summarize("overall", outcomes);
for (const format of ["json-schema", "protobuf"] as const) {
  const list = outcomes.filter((o) => o.format === format);
  summarize(format, list);
  for (const file of [...new Set(list.map((o) => o.file))])
    summarize(
      `  ${file}`,
      list.filter((o) => o.file === file),
    );
}

const lenientCases = outcomes.filter((o) => o.expectedLenient !== undefined && o.expectedLenient !== o.expected);
console.log(
  `\ncases where Confluent's lenient verdict differs from its strict one: ${lenientCases.length}; we agree with lenient on ` +
    `${lenientCases.filter((o) => o.actual === o.expectedLenient).length} (adding an optional property to an open model is compatible on purpose)`,
);

const disagreements = outcomes.filter((o) => o.actual !== o.expected);
console.log(`\ndisagreements (${disagreements.length}):`);
for (const o of disagreements) {
  const verdict = o.actual === "error" ? "error" : o.actual ? "we: compatible" : "we: breaking";
  const lenient =
    o.expectedLenient !== undefined && o.expectedLenient !== o.expected ? ` (lenient: ${o.expectedLenient ? "compatible" : "breaking"})` : "";
  console.log(
    `- [${o.format}] ${o.file}#${o.index} "${o.description}": Confluent ${o.expected ? "compatible" : "breaking"}${lenient}, ${verdict}${o.detail ? ` (${o.detail})` : ""}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// buf breaking-rule fixtures (optional)

function protoFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d)) {
      const full = join(d, e);
      if (statSync(full).isDirectory()) walk(full);
      else if (e.endsWith(".proto")) out.set(relative(dir, full).split("\\").join("/"), readFileSync(full, "utf8"));
    }
  };
  walk(dir);
  return out;
}

function runBuf(root: string): void {
  const testFile = join(root, "private/bufpkg/bufcheck/breaking_test.go");
  const data = join(root, "private/bufpkg/bufcheck/testdata/breaking");
  if (!existsSync(testFile)) {
    console.error(`no ${testFile}`);
    process.exit(2);
  }
  const go = readFileSync(testFile, "utf8");
  const cases = [...go.matchAll(/testBreaking\(\s*t,\s*"([a-z0-9_]+)",([\s\S]*?)\n\t\)/g)];
  let expectedTotal = 0;
  let matchedTotal = 0;
  let extraTotal = 0;
  let lineAgree = 0;
  let lineCompared = 0;
  const perRule = new Map<string, { expected: number; matched: number; extra: number }>();
  const skipped: string[] = [];
  const misses: string[] = [];
  for (const [, name, body] of cases) {
    const yaml = existsSync(join(data, "current", name!, "buf.yaml")) ? readFileSync(join(data, "current", name!, "buf.yaml"), "utf8") : "";
    const used = [...yaml.matchAll(/^\s*-\s*([A-Z_]+)\s*$/gm)].map((m) => m[1]!).filter((r) => r in BUF_RULES);
    if (used.length === 0) {
      skipped.push(name!);
      continue;
    }
    const expected = [...body!.matchAll(/NewFileAnnotation\(\s*t,\s*"([^"]+)",\s*(\d+),\s*\d+,\s*\d+,\s*\d+,\s*"([A-Z_]+)"/g)]
      .map((m) => ({ file: m[1]!, line: Number(m[2]), rule: m[3]! }))
      .filter((a) => used.includes(a.rule));
    const previous = protoFiles(join(data, "previous", name!));
    const current = protoFiles(join(data, "current", name!));
    const ours: { file: string; line: number; rule: string }[] = [];
    const level = used.some((r) => ["FIELD_SAME_JSON_NAME", "ENUM_VALUE_SAME_NAME", "ENUM_NO_DELETE"].includes(r)) ? "wire-json" : "wire";
    // Like buf, compare package by package, so types moved between files of a package are not removals.
    const byPackage = (files: Map<string, string>) => {
      const groups = new Map<string, ProtoImport[]>();
      for (const [f, t] of files) {
        const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(t)?.[1] ?? "";
        groups.set(pkg, [...(groups.get(pkg) ?? []), { name: f, text: t }]);
      }
      return groups;
    };
    const before = byPackage(previous);
    const after = byPackage(current);
    const all = (files: Map<string, string>) => [...files].map(([f, t]) => ({ name: f, text: t }));
    for (const [pkg, headFiles] of after) {
      const baseFiles = before.get(pkg);
      if (!baseFiles) continue;
      const base = parseProtoFiles(
        baseFiles,
        all(previous).filter((f) => !baseFiles.some((b) => b.name === f.name)),
      );
      const head = parseProtoFiles(
        headFiles,
        all(current).filter((f) => !headFiles.some((h) => h.name === f.name)),
      );
      if (!base.ok || !head.ok) {
        misses.push(`${name}/${pkg}: parse error ${!base.ok ? `${base.file}: ${base.message}` : !head.ok ? `${head.file}: ${head.message}` : ""}`);
        continue;
      }
      for (const b of [...diffProtoMessages(base.schema, head.schema, { level }), ...diffProtoServices(base.schema, head.schema)]) {
        ours.push({ file: b.file ?? headFiles[0]!.name, line: b.side === "head" ? b.line : -1, rule: b.rule });
      }
    }
    for (const rule of used) {
      const mine = BUF_RULES[rule]!;
      const files = new Set([
        ...expected.filter((a) => a.rule === rule).map((a) => a.file),
        ...ours.filter((o) => o.rule === mine).map((o) => o.file),
      ]);
      const stats = perRule.get(rule) ?? { expected: 0, matched: 0, extra: 0 };
      for (const file of files) {
        const e = expected.filter((a) => a.rule === rule && a.file === file);
        const o = ours.filter((x) => x.rule === mine && x.file === file);
        const matched = Math.min(e.length, o.length);
        stats.expected += e.length;
        stats.matched += matched;
        stats.extra += o.length - matched;
        if (e.length > matched) misses.push(`${name}/${file} ${rule}: buf ${e.length}, we ${o.length}`);
        if (o.length > matched)
          misses.push(`${name}/${file} ${rule}: we report ${o.length - matched} more than buf (${o.map((x) => x.line).join(",")})`);
        // Lines: compare where both sides point at a head declaration.
        const eLines = e.map((a) => a.line);
        for (const x of o) {
          if (x.line < 0) continue;
          lineCompared++;
          if (eLines.includes(x.line)) lineAgree++;
        }
      }
      perRule.set(rule, stats);
      expectedTotal += 0;
    }
  }
  for (const s of perRule.values()) {
    expectedTotal += s.expected;
    matchedTotal += s.matched;
    extraTotal += s.extra;
  }
  console.log(`\nbuf breaking fixtures: ${cases.length} cases, ${cases.length - skipped.length} use rules we implement`);
  console.log(
    `annotations expected ${expectedTotal}, found ${matchedTotal} (recall ${pct(matchedTotal, expectedTotal)}), ` +
      `extra ${extraTotal}; head lines equal to buf's on ${lineAgree}/${lineCompared}`,
  );
  for (const [rule, st] of [...perRule].sort())
    console.log(`  ${rule.padEnd(46)} expected ${String(st.expected).padStart(3)}  found ${String(st.matched).padStart(3)}  extra ${st.extra}`);
  console.log(`differences (${misses.length}):`);
  for (const m of misses) console.log(`- ${m}`);
}

if (bufFolder) runBuf(bufFolder);
