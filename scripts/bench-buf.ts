/**
 * Agreement with buf's breaking-change checker on buf's own rule fixtures.
 *
 *   npm run bench:buf -- --buf <bufbuild/buf git repository> [--rev HEAD] [--root <archgate tree>] [--verbose]
 *
 * Reads, straight from the git repository (a bare mirror or a clone: `git ls-tree` / `git show`, nothing is
 * checked out), `private/bufpkg/bufcheck/breaking_test.go` (the annotations buf expects per case: file, line,
 * rule) and `private/bufpkg/bufcheck/testdata/breaking/{previous,current}/<case>/` (the .proto pairs and the
 * buf.yaml naming the rules the case uses). Each case is compared package by package, as buf does, with the
 * protobuf diff the gRPC check applies to what a service's RPCs carry (`diffProtoServices`, `diffProtoMessages`
 * at WIRE_JSON level, `diffGeneratedNameOptions` for FILE-level options when the tree has it). Per buf rule:
 * annotations expected, found (per case), extra, and agreement = found / (expected + extra).
 *
 * Rules whose semantics we do not implement are listed as out of scope (see OUT_OF_SCOPE) and not scored.
 * `--root` runs another archgate tree's diff (e.g. the baseline build's source) for before/after figures.
 * Not a test: the fixtures are third-party and not committed.
 */
import { BUF_RULES } from "./lib/buf-rules.js";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";

interface ProtoBreakLike {
  rule: string;
  file?: string;
  side: "base" | "head";
  line: number;
}
interface ProtoFile {
  name: string;
  text: string;
}
type Parsed = { ok: true; schema: unknown } | { ok: false; message: string; file?: string };
interface ProtobufModule {
  parseProtoFiles(files: ProtoFile[], imports?: ProtoFile[]): Parsed;
  diffProtoMessages(base: unknown, head: unknown, options?: { level?: "wire" | "wire-json" }): ProtoBreakLike[];
  diffProtoServices(base: unknown, head: unknown): ProtoBreakLike[];
  diffGeneratedNameOptions?(baseText: string, headText: string): ProtoBreakLike[];
}

const { values } = parseArgs({
  options: {
    buf: { type: "string" },
    rev: { type: "string", default: "HEAD" },
    root: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});
if (!values.buf) {
  console.error("usage: npm run bench:buf -- --buf <bufbuild/buf git repository> [--rev HEAD] [--root <archgate tree>] [--verbose]");
  process.exit(2);
}
const repo = resolve(values.buf);
const rev = values.rev!;
const root = resolve(values.root ?? resolve(import.meta.dirname, ".."));
const pb = (await import(pathToFileURL(resolve(root, "src/formats/protobuf/protobuf.ts")).href)) as ProtobufModule;

const git = (...args: string[]) =>
  execFileSync("git", ["--git-dir", gitDir(repo), ...args], { encoding: "utf8", maxBuffer: 256 << 20, stdio: ["ignore", "pipe", "ignore"] });
function gitDir(path: string): string {
  try {
    return execFileSync("git", ["-C", path, "rev-parse", "--git-dir"], { encoding: "utf8" })
      .trim()
      .replace(/^(?!\/)/, `${path}/`);
  } catch {
    console.error(`${path} is not a git repository`);
    process.exit(2);
  }
}

const BASE = "private/bufpkg/bufcheck";
const DATA = `${BASE}/testdata/breaking`;

// A copy: the file-option rules below are added to it.
const RULES: Record<string, string> = { ...BUF_RULES };
const FILE_OPTION_RULES = [
  "FILE_SAME_GO_PACKAGE",
  "FILE_SAME_JAVA_PACKAGE",
  "FILE_SAME_JAVA_OUTER_CLASSNAME",
  "FILE_SAME_JAVA_MULTIPLE_FILES",
  "FILE_SAME_CSHARP_NAMESPACE",
  "FILE_SAME_OBJC_CLASS_PREFIX",
  "FILE_SAME_PHP_NAMESPACE",
  "FILE_SAME_PHP_CLASS_PREFIX",
  "FILE_SAME_PHP_METADATA_NAMESPACE",
  "FILE_SAME_RUBY_PACKAGE",
  "FILE_SAME_SWIFT_PREFIX",
  "FILE_SAME_OPTIMIZE_FOR",
  "FILE_SAME_CC_GENERIC_SERVICES",
  "FILE_SAME_JAVA_GENERIC_SERVICES",
  "FILE_SAME_PY_GENERIC_SERVICES",
  "FILE_SAME_CC_ENABLE_ARENAS",
];
for (const rule of FILE_OPTION_RULES) RULES[rule] = rule;

/** buf rules with semantics we do not implement (stricter source-level or editions/extension checks). */
const OUT_OF_SCOPE: Record<string, string> = {
  FIELD_SAME_NAME: "a rename with the same JSON name: buf's JSON parsers accept the proto name too; we judge the JSON name",
  FIELD_SAME_TYPE: "FILE/PACKAGE: any type change, even wire-compatible ones",
  FIELD_SAME_LABEL: "FILE/PACKAGE: any label change",
  FIELD_SAME_CARDINALITY: "FILE/PACKAGE: any cardinality change (we flag the wire-incompatible ones)",
  FIELD_WIRE_JSON_COMPATIBLE_TYPE: "not implemented: wire-compatible types whose JSON differs (int32/int64, enum/int)",
  FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY: "not implemented",
  FIELD_NO_DELETE_UNLESS_NAME_RESERVED: "names reserved: we judge numbers",
  ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED: "names reserved: we judge numbers",
  FIELD_SAME_DEFAULT: "proto2 defaults",
  FIELD_SAME_CTYPE: "C++ options",
  FIELD_SAME_CPP_STRING_TYPE: "C++ options",
  FIELD_SAME_JSTYPE: "JS options",
  FIELD_SAME_UTF8_VALIDATION: "editions features",
  FIELD_SAME_JAVA_UTF8_VALIDATION: "editions features",
  ENUM_SAME_JSON_FORMAT: "editions features",
  MESSAGE_SAME_JSON_FORMAT: "editions features",
  ENUM_SAME_TYPE: "open/closed enums (editions)",
  MESSAGE_SAME_REQUIRED_FIELDS: "proto2 required fields as a set",
  EXTENSION_NO_DELETE: "extensions",
  EXTENSION_MESSAGE_NO_DELETE: "extensions",
  PACKAGE_EXTENSION_NO_DELETE: "extensions",
  FILE_NO_DELETE: "deleted files (the PR's removed files are the service-retirement trigger's)",
  FILE_SAME_SYNTAX: "syntax changes",
  ONEOF_NO_DELETE: "source-level",
  RESERVED_ENUM_NO_DELETE: "reserved ranges shrinking",
  RESERVED_MESSAGE_NO_DELETE: "reserved ranges shrinking",
  RPC_SAME_IDEMPOTENCY_LEVEL: "method options",
  PACKAGE_NO_DELETE: "package-wide deletes across files",
  PACKAGE_ENUM_NO_DELETE: "package-wide deletes across files",
  PACKAGE_MESSAGE_NO_DELETE: "package-wide deletes across files",
  PACKAGE_SERVICE_NO_DELETE: "package-wide deletes across files",
  MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR: "C++/Java generated accessor option",
};

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let listing = "";
  try {
    listing = git("ls-tree", "-r", "--name-only", rev, `${dir}/`);
  } catch {
    return out;
  }
  for (const path of listing.split("\n").filter((p) => p.endsWith(".proto"))) {
    out.set(path.slice(dir.length + 1), git("show", `${rev}:${path}`));
  }
  return out;
}

function byPackage(files: Map<string, string>): Map<string, ProtoFile[]> {
  const groups = new Map<string, ProtoFile[]>();
  for (const [name, text] of files) {
    const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(text)?.[1] ?? "";
    groups.set(pkg, [...(groups.get(pkg) ?? []), { name, text }]);
  }
  return groups;
}

const test = git("show", `${rev}:${BASE}/breaking_test.go`);
const cases = [...test.matchAll(/testBreaking\(\s*t,\s*"([a-z0-9_]+)",([\s\S]*?)\n\t\)/g)];
const perRule = new Map<string, { expected: number; found: number; extra: number; cases: number }>();
const outOfScope = new Map<string, number>();
const differences: string[] = [];
let lineAgree = 0;
let lineCompared = 0;
let parseErrors = 0;

for (const [, name, body] of cases) {
  let yaml = "";
  try {
    yaml = git("show", `${rev}:${DATA}/current/${name}/buf.yaml`);
  } catch {
    // no buf.yaml: buf's defaults; not a single-rule case
  }
  const used = [...yaml.matchAll(/^\s*-\s*([A-Z_0-9]+)\s*$/gm)].map((m) => m[1]!);
  for (const rule of used) if (!(rule in RULES)) outOfScope.set(rule, (outOfScope.get(rule) ?? 0) + 1);
  const scored = used.filter((r) => r in RULES);
  if (scored.length === 0) continue;
  // NewFileAnnotationNoLocation: buf reports the file as a whole (line 0 here).
  const expected = [...body!.matchAll(/NewFileAnnotation(?:NoLocation)?\(\s*t,\s*"([^"]+)",\s*(?:(\d+),\s*\d+,\s*\d+,\s*\d+,\s*)?"([A-Z_0-9]+)"/g)]
    .map((m) => ({ file: m[1]!, line: Number(m[2] ?? 0), rule: m[3]! }))
    .filter((a) => scored.includes(a.rule));
  const previous = filesUnder(`${DATA}/previous/${name}`);
  // A previous buf.yaml with `roots: [dir]` puts the module's files under dir/.
  try {
    const root = /^\s*roots:\s*\n\s*-\s*(\S+)\s*$/m.exec(git("show", `${rev}:${DATA}/previous/${name}/buf.yaml`))?.[1];
    if (root)
      for (const [f, t] of [...previous]) {
        previous.delete(f);
        previous.set(f.startsWith(`${root}/`) ? f.slice(root.length + 1) : f, t);
      }
  } catch {
    // no buf.yaml at the previous side
  }
  const current = filesUnder(`${DATA}/current/${name}`);
  const ours: { file: string; line: number; rule: string }[] = [];
  // buf.yaml `ignore_unstable_packages: true`: packages ending in an alpha/beta/test version are not compared.
  if (/^\s*ignore_unstable_packages:\s*true/m.test(yaml)) {
    const unstable = (text: string) => /^\s*package\s+[\w.]*\.v\d+(?:alpha|beta|test)\w*\s*;/m.test(text);
    for (const files of [previous, current]) for (const [f, t] of files) if (unstable(t)) files.delete(f);
  }
  const before = byPackage(previous);
  const after = byPackage(current);
  const all = (files: Map<string, string>) => [...files].map(([f, t]) => ({ name: f, text: t }));
  for (const [pkg, headFiles] of after) {
    // A package renamed in a one-package case is FILE_SAME_PACKAGE: compare with the only base package.
    const baseFiles = before.get(pkg) ?? (before.size === 1 && after.size === 1 ? [...before.values()][0] : undefined);
    if (!baseFiles) continue;
    const base = pb.parseProtoFiles(
      baseFiles,
      all(previous).filter((f) => !baseFiles.some((b) => b.name === f.name)),
    );
    const head = pb.parseProtoFiles(
      headFiles,
      all(current).filter((f) => !headFiles.some((h) => h.name === f.name)),
    );
    if (!base.ok || !head.ok) {
      parseErrors++;
      differences.push(`${name}/${pkg}: parse error ${!base.ok ? `${base.file}: ${base.message}` : !head.ok ? `${head.file}: ${head.message}` : ""}`);
      continue;
    }
    const breaks = [...pb.diffProtoMessages(base.schema, head.schema, { level: "wire-json" }), ...pb.diffProtoServices(base.schema, head.schema)];
    for (const b of breaks) ours.push({ file: b.file ?? headFiles[0]!.name, line: b.side === "head" ? b.line : -1, rule: b.rule });
    if (pb.diffGeneratedNameOptions) {
      for (const file of headFiles) {
        const old = previous.get(file.name);
        if (old === undefined) continue;
        for (const b of pb.diffGeneratedNameOptions(old, file.text))
          ours.push({ file: file.name, line: b.side === "head" ? b.line : -1, rule: b.rule });
      }
    }
  }
  // buf judges a package change per file: a file whose package statement changed.
  for (const [file, text] of current) {
    const old = previous.get(file);
    const pkg = (t: string) => /^\s*package\s+([\w.]+)\s*;/m.exec(t)?.[1] ?? "";
    if (old === undefined || pkg(old) === pkg(text) || ours.some((o) => o.rule === "FILE_SAME_PACKAGE" && o.file === file)) continue;
    const base = pb.parseProtoFiles([{ name: file, text: old }]);
    const head = pb.parseProtoFiles([{ name: file, text }]);
    if (!base.ok || !head.ok) continue;
    for (const b of pb.diffProtoMessages(base.schema, head.schema, { level: "wire-json" }))
      if (b.rule === "FILE_SAME_PACKAGE") ours.push({ file, line: b.side === "head" ? b.line : -1, rule: b.rule });
  }
  for (const rule of scored) {
    const mine = RULES[rule]!;
    const stats = perRule.get(rule) ?? { expected: 0, found: 0, extra: 0, cases: 0 };
    stats.cases++;
    // Counted per case: buf puts a deletion at the enclosing declaration of the current file, we at the
    // deleted line of the previous one, so the files of deletions differ where the counts agree.
    const e = expected.filter((a) => a.rule === rule);
    const o = ours.filter((x) => x.rule === mine);
    const matched = Math.min(e.length, o.length);
    stats.expected += e.length;
    stats.found += matched;
    stats.extra += o.length - matched;
    if (e.length > matched) differences.push(`${name} ${rule}: buf ${e.length}, we ${o.length}`);
    if (o.length > matched) differences.push(`${name} ${rule}: we report ${o.length - matched} more than buf`);
    const lines = new Set(e.map((a) => `${a.file}:${a.line}`));
    for (const x of o) {
      if (x.line < 0) continue;
      lineCompared++;
      if (lines.has(`${x.file}:${x.line}`)) lineAgree++;
    }
    perRule.set(rule, stats);
  }
}

const ratio = (a: number, b: number) => (b === 0 ? "  -  " : (a / b).toFixed(3));
let expectedTotal = 0;
let foundTotal = 0;
let extraTotal = 0;
console.log(`buf breaking fixtures (${repo} @ ${rev}), archgate tree ${root}`);
console.log(`cases: ${cases.length}; scored rules below, parse errors: ${parseErrors}\n`);
console.log(`${"rule".padEnd(46)} cases  expected  found  extra  agreement`);
for (const [rule, s] of [...perRule].sort(([a], [b]) => a.localeCompare(b))) {
  expectedTotal += s.expected;
  foundTotal += s.found;
  extraTotal += s.extra;
  console.log(
    `${rule.padEnd(46)} ${String(s.cases).padStart(5)}  ${String(s.expected).padStart(8)}  ${String(s.found).padStart(5)}  ${String(s.extra).padStart(5)}  ${ratio(s.found, s.expected + s.extra).padStart(9)}`,
  );
}
console.log(
  `${"all scored rules".padEnd(46)} ${"".padStart(5)}  ${String(expectedTotal).padStart(8)}  ${String(foundTotal).padStart(5)}  ${String(extraTotal).padStart(5)}  ${ratio(foundTotal, expectedTotal + extraTotal).padStart(9)}`,
);
const rulesAtTarget = [...perRule.values()].filter((s) => s.expected + s.extra === 0 || s.found / (s.expected + s.extra) >= 0.95).length;
console.log(`rules at agreement >= 0.95: ${rulesAtTarget}/${perRule.size}; head lines equal to buf's: ${lineAgree}/${lineCompared}`);
console.log(`\nout of scope (not scored), cases using each:`);
for (const [rule, n] of [...outOfScope].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${rule.padEnd(46)} ${n}  ${OUT_OF_SCOPE[rule] ?? ""}`);
if (values.verbose || differences.length <= 40) {
  console.log(`\ndifferences (${differences.length}):`);
  for (const d of differences) console.log(`- ${d}`);
} else console.log(`\ndifferences: ${differences.length} (--verbose lists them)`);
