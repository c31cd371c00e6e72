/**
 * Agreement with Confluent Schema Registry's compatibility verdicts.
 *
 *   npm run bench:schema-registry -- <folder>
 *
 * <folder> is a checkout (or `git archive` extract) of github:confluentinc/schema-registry holding
 *   json-schema-provider/src/test/resources/diff-*.json   ({original_schema, update_schema, compatible})
 *   protobuf-provider/src/test/resources/diff-*.json      (.proto texts, imports as *_dependencies)
 * Each pair runs through our checks (JSON Schema: `diffJsonSchemas` in backward mode, what Confluent's diff
 * judges; Protobuf: `diffProtoMessages` at wire level) and "compatible" means no break. Prints agreement
 * overall and per format, then every disagreement. Not a test: the suite is third-party and not committed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { diffJsonSchemas, schemaFromValue } from "../src/rules/contracts/json-schema.js";
import { diffProtoMessages, parseProto, type ProtoImport } from "../src/rules/contracts/protobuf.js";

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

const folder = process.argv[2];
if (!folder || !existsSync(folder)) {
  console.error("usage: npm run bench:schema-registry -- <schema-registry checkout>");
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
  for (const file of [...new Set(list.map((o) => o.file))]) summarize(`  ${file}`, list.filter((o) => o.file === file));
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
  const lenient = o.expectedLenient !== undefined && o.expectedLenient !== o.expected ? ` (lenient: ${o.expectedLenient ? "compatible" : "breaking"})` : "";
  console.log(`- [${o.format}] ${o.file}#${o.index} "${o.description}": Confluent ${o.expected ? "compatible" : "breaking"}${lenient}, ${verdict}${o.detail ? ` (${o.detail})` : ""}`);
}
