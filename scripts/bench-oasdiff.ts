/**
 * Benchmark: breaking-api-change against oasdiff's own checker fixtures (not a test).
 *
 *   fetch github:oasdiff/oasdiff, then
 *   git --git-dir=<mirror> archive HEAD checker data | tar -x -C /tmp/oasdiff
 *   npm run bench:oasdiff -- /tmp/oasdiff [--verbose] [--no-openapi-diff] [--deprecation-policy]
 *   (the folder holding checker/ and data/; default config unless a flag says otherwise)
 *
 * How pairs are labelled (oasdiff's expectations, read from its Go tests):
 * - `checker/*.go` (non-test) gives every rule id constant (`FooId = "foo"`); `checker/rules.go` gives each
 *   id's level (ERR/WARN/INFO) and action (ActionAdd, ActionRemove, ...).
 * - Each `func TestXxx` in `checker/*_test.go` that opens two different spec files (`open("../data/...")`,
 *   the `deprecationFile(...)`-style helpers, or `l(t, N)` / `d(t, cfg, N, M)` for `data/openapi-testN.yaml`)
 *   names a (base, revision) pair: the first file opened is the base. Tests that edit a loaded spec in Go
 *   (`s2.Spec... = ...`) are skipped: the files alone do not show the change.
 * - The rule ids a test asserts (`checker.<Name>Id` outside `requireNoChange`/`NotContains` lines) label it.
 *   A pair is an ERR pair when any test on it asserts an ERR-level id. It "only adds things" when every id
 *   asserted on it is an INFO-level ActionAdd/ActionGeneralize rule (endpoint added, optional
 *   property added, type generalized, ...) AND the revision file keeps every non-blank line of the base
 *   (checked with a line diff: some of these tests use a revision that also removes things, e.g.
 *   request_params/optional-request-params.yaml drops parameters). oasdiff's WARN additions (a response
 *   enum value added, a maxLength set) are potential breaks, not plain additions. Other pairs (WARN/INFO changes) are counted but not scored.
 * - A pair is "full-checker clean" when a test on it runs oasdiff's full checker (`d(t, ...)` or
 *   `CheckBackwardCompatibility(allChecksConfig(), ...)`) and asserts it returns nothing (`require.Empty`), and no
 *   test on it asserts an ERR id: oasdiff with every check on finds nothing breaking, so we should raise no error.
 *
 * Caveat: oasdiff tests often enable one check at a time, so a pair can hold more changes than the test
 * asserts; the labels are a good proxy, not ground truth.
 *
 * Figures: recall on ERR pairs for our rule, and for openapi-diff alone (run on the same specs, inlined by
 * our sandboxed loader so it never reads outside the fixture folder); error findings on add-only pairs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { diffLines } from "diff";
import openapiDiff from "openapi-diff";

import type { Change, FileContent } from "../src/engine/change.js";
import { ReviewContext } from "../src/engine/context.js";

import { breakingApiChange } from "../src/rules/breaking-api-change.js";
import { SpecDocument } from "../src/formats/refs/spec-document.js";
import { defaultConfig, reviewChange, validateConfig } from "../src/builtins.js";

const root = process.argv[2];
if (!root || !statSync(join(root, "checker"), { throwIfNoEntry: false })?.isDirectory()) {
  console.error("usage: npm run bench:oasdiff -- <folder holding oasdiff's checker/ and data/>");
  process.exit(2);
}
const checkerDir = join(root, "checker");
const verbose = process.argv.includes("--verbose");

// ---- oasdiff's rule table -------------------------------------------------------------------------
const idByConst = new Map<string, string>();
for (const file of readdirSync(checkerDir).filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))) {
  for (const m of readFileSync(join(checkerDir, file), "utf8").matchAll(/(\w+Id)\s*=\s*"([^"]+)"/g)) idByConst.set(m[1]!, m[2]!);
}
const ruleByConst = new Map<string, { level: string; action: string }>();
for (const m of readFileSync(join(checkerDir, "rules.go"), "utf8").matchAll(
  /newBackwardCompatibilityRule\((\w+Id),\s*(ERR|WARN|INFO),[^\n]*?(Action\w+)\)/g,
)) {
  ruleByConst.set(m[1]!, { level: m[2]!, action: m[3]! });
}

// ---- pairs from the Go tests ----------------------------------------------------------------------
const helpers: Record<string, string> = {
  deprecationFile: "deprecation",
  paramDeprecationFile: "param-deprecation",
  requiredPropertyFile: "required-properties",
  stabilityFile: "stability",
};

interface Pair {
  base: string;
  revision: string;
  tests: string[];
  ids: Set<string>;
  /** Some test on the pair runs oasdiff's full checker (every check, default levels) and asserts it finds nothing breaking. */
  fullCheckerClean: boolean;
}
const pairs = new Map<string, Pair>();
let testsSeen = 0;
let testsSkipped = 0;
for (const file of readdirSync(checkerDir)
  .filter((f) => f.endsWith("_test.go"))
  .sort()) {
  const text = readFileSync(join(checkerDir, file), "utf8");
  const parts = text.split(/^func (Test\w+)\(t \*testing\.T\) \{$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    const body = parts[i + 1]!.split(/^}$/m)[0]!;
    testsSeen++;
    const files: string[] = [];
    for (const m of body.matchAll(/\bopen\(\s*(?:"([^"]+)"|(\w+)\("([^"]+)"\))|\bl\(t,\s*(\d+)\)|\bd\(t,\s*[^,]+,\s*(\d+),\s*(\d+)/g)) {
      if (m[1]) files.push(m[1]);
      else if (m[2] && helpers[m[2]]) files.push(`../data/${helpers[m[2]]}/${m[3]}`);
      else if (m[4]) files.push(`../data/openapi-test${m[4]}.yaml`);
      else if (m[5]) files.push(`../data/openapi-test${m[5]}.yaml`, `../data/openapi-test${m[6]}.yaml`);
    }
    const distinct = [...new Set(files)];
    if (distinct.length !== 2 || files.length < 2 || /\bs[12]\.Spec\b[^\n]*[^=!<>]=[^=]/.test(body) || /\bopen\(file\)/.test(body)) {
      testsSkipped++;
      continue;
    }
    const ids = new Set<string>();
    for (const line of body.split("\n")) {
      if (/requireNoChange|NotContains|require\.False|assert\.False/.test(line)) continue;
      for (const m of line.matchAll(/checker\.(\w+Id)\b/g)) if (ruleByConst.has(m[1]!)) ids.add(m[1]!);
    }
    const [base, revision] = [files[0]!, files.find((f) => f !== files[0])!];
    const key = `${base}\0${revision}`;
    const pair = pairs.get(key) ?? { base, revision, tests: [], ids: new Set(), fullCheckerClean: false };
    pair.tests.push(name);
    // `d(t, cfg, N, M)` and `CheckBackwardCompatibility(allChecksConfig(), ...)` run every check at its default
    // level; `require.Empty` on the result (or the changelog helper) says none of them is breaking.
    const fullChecker = /CheckBackwardCompatibility\(allChecksConfig\(\)/.test(body) || /\bd\(t,/.test(body);
    const assertsNothing = /require\.Empty\(t, (errs|r)\)|require\.Len\(t, (errs|r), 0\)|verifyNonBreakingChangeIsChangelogEntry\(/.test(body);
    if (fullChecker && assertsNothing) pair.fullCheckerClean = true;
    for (const id of ids) pair.ids.add(id);
    pairs.set(key, pair);
  }
}

const ADDITIVE_ACTIONS = new Set(["ActionAdd", "ActionGeneralize"]);

/** True when the revision text keeps every non-blank line of the base (the pair really only adds). */
function onlyAddsLines(pair: Pair): boolean {
  const read = (p: string) => {
    const c = readData(posix.normalize(posix.join("checker", p)));
    return c.kind === "text" ? c.text : "";
  };
  return diffLines(read(pair.base), read(pair.revision), { ignoreWhitespace: true }).every((part) => !part.removed || part.value.trim() === "");
}
function label(pair: Pair): "err" | "additive" | "other" | "unlabelled" {
  const rules = [...pair.ids].map((id) => ruleByConst.get(id)!);
  if (rules.length === 0) return "unlabelled";
  if (rules.some((r) => r.level === "ERR")) return "err";
  if (rules.every((r) => r.level === "INFO" && ADDITIVE_ACTIONS.has(r.action))) return onlyAddsLines(pair) ? "additive" : "other";
  return "other";
}

// ---- running our rule on one pair -----------------------------------------------------------------
/** A file of the fixture folder by its path relative to that folder; nothing outside it is read. */
function readData(path: string): FileContent {
  try {
    const full = join(root!, path);
    if (path.startsWith("..") || path.startsWith("/") || !full.startsWith(join(root!, "/"))) return { kind: "missing" };
    return { kind: "text", text: readFileSync(full, "utf8") };
  } catch {
    return { kind: "missing" };
  }
}

/** A Change in which the revision file replaces the base file at one path; other files read from the fixture folder. */
function pairChange(pair: Pair): { change: Change; path: string } {
  // Paths inside the change are relative to checker/ with the leading "../" resolved (data/...).
  const path = posix.normalize(posix.join("checker", pair.revision));
  const baseFile = posix.normalize(posix.join("checker", pair.base));
  const fromRoot = readData;
  const change: Change = {
    base: "base",
    head: "head",
    files: [{ path, status: "modified", additions: 1, deletions: 1 }],
    complete: true,
    async read(side, p, { maxBytes }) {
      const content = p === path ? fromRoot(side === "base" ? baseFile : path) : fromRoot(p);
      if (content.kind === "text" && Buffer.byteLength(content.text) > maxBytes) return { kind: "too-large", bytes: Buffer.byteLength(content.text) };
      return content;
    },
    async listPaths() {
      return [path];
    },
  };
  return { change, path };
}

async function openapiDiffAlone(change: Change, path: string): Promise<"breaking" | "none" | "unparseable"> {
  const ctx = new ReviewContext(change, defaultConfig());
  const base = await SpecDocument.load(ctx, "base", path);
  const head = await SpecDocument.load(ctx, "head", path);
  if (!base?.ok || !head?.ok) return "unparseable";
  try {
    const fmt = (d: Record<string, unknown>) => (String(d.swagger) === "2.0" ? "swagger2" : "openapi3") as "swagger2" | "openapi3";
    const outcome = await openapiDiff.diffSpecs({
      sourceSpec: { content: JSON.stringify(base.inline(base.rootNode())), location: "base", format: fmt(base.rootValue) },
      destinationSpec: { content: JSON.stringify(head.inline(head.rootNode())), location: "head", format: fmt(head.rootValue) },
    });
    return outcome.breakingDifferencesFound ? "breaking" : "none";
  } catch {
    return "unparseable";
  }
}

// `--no-openapi-diff`: our own checks only, to see what the openapi-diff pass adds.
// `--deprecation-policy`: also the opt-in deprecation policy (oasdiff's sunset/stability rules).
const ruleOptions = {
  ...(process.argv.includes("--no-openapi-diff") ? { openapiDiff: false } : {}),
  ...(process.argv.includes("--deprecation-policy") ? { deprecationPolicy: true } : {}),
};
const config = Object.keys(ruleOptions).length > 0 ? validateConfig({ rules: { "breaking-api-change": ruleOptions } }, "bench") : defaultConfig();
const tally = {
  err: { pairs: 0, ours: 0, problems: 0, odParseable: 0, odFound: 0 },
  additive: { pairs: 0, oursErrors: 0, pairsWithErrors: 0, odFalse: 0 },
  other: { pairs: 0, ours: 0 },
  unlabelled: { pairs: 0, ours: 0 },
};
/** oasdiff's deprecation-policy rules: sunset/stability metadata, not a change in what clients can send or read. */
const isLifecyclePolicy = (id: string) => /sunset|stability|deprecated/i.test(id);
const policy = { pairs: 0, ours: 0 };
const clean = { pairs: 0, oursErrors: 0, pairsWithErrors: 0 };
const noisyClean: string[] = [];
const missed: string[] = [];
const noisy: string[] = [];
const started = Date.now();
for (const pair of [...pairs.values()].sort((a, b) => a.revision.localeCompare(b.revision))) {
  const kind = label(pair);
  const { change, path } = pairChange(pair);
  const report = await reviewChange(change, config, { rules: [breakingApiChange], triggers: [] });
  const errors = report.findings.filter((f) => f.severity === "error");
  const od = kind === "err" || kind === "additive" ? await openapiDiffAlone(change, path) : "none";
  const ids = [...pair.ids].map((c) => idByConst.get(c) ?? c).join(", ");
  if (kind === "err" && [...pair.ids].every((c) => isLifecyclePolicy(idByConst.get(c) ?? c))) {
    policy.pairs++;
    if (errors.length > 0) policy.ours++;
  }
  if (pair.fullCheckerClean && kind !== "err") {
    clean.pairs++;
    clean.oursErrors += errors.length;
    if (errors.length > 0) {
      clean.pairsWithErrors++;
      noisyClean.push(
        `${pair.base} -> ${pair.revision} [${pair.tests.join(", ")}]: ${errors.map((e) => e.message.split(". Existing")[0]).join(" | ")}`,
      );
    }
  }
  if (kind === "err") {
    tally.err.pairs++;
    if (errors.length > 0) tally.err.ours++;
    else {
      if (report.problems.length > 0) tally.err.problems++;
      missed.push(`${pair.base} -> ${pair.revision} [${ids}]${report.problems.length ? " (problem: " + report.problems[0]!.message + ")" : ""}`);
    }
    if (od !== "unparseable") tally.err.odParseable++;
    if (od === "breaking") tally.err.odFound++;
  } else if (kind === "additive") {
    tally.additive.pairs++;
    tally.additive.oursErrors += errors.length;
    if (errors.length > 0) {
      tally.additive.pairsWithErrors++;
      noisy.push(`${pair.base} -> ${pair.revision} [${ids}]: ${errors.map((e) => e.message.split(". Existing")[0]).join(" | ")}`);
    }
    if (od === "breaking") tally.additive.odFalse++;
  } else {
    tally[kind].pairs++;
    if (errors.length > 0) tally[kind].ours++;
  }
}

const pct = (a: number, b: number) => (b === 0 ? "n/a" : (a / b).toFixed(2));
console.log(
  `oasdiff fixtures: ${testsSeen} tests read, ${testsSkipped} skipped (spec edited in Go, one file, loops), ${pairs.size} distinct (base, revision) pairs`,
);
console.log(`ERR pairs: ${tally.err.pairs}`);
console.log(
  `  breaking-api-change: ${tally.err.ours} flagged, recall ${pct(tally.err.ours, tally.err.pairs)} (${tally.err.problems} more failed closed with a problem)`,
);
console.log(
  `  openapi-diff alone:  ${tally.err.odFound} flagged, recall ${pct(tally.err.odFound, tally.err.pairs)} overall, ${pct(tally.err.odFound, tally.err.odParseable)} on the ${tally.err.odParseable} pairs it can parse`,
);
console.log(
  `  breaking-api-change on the ${tally.err.pairs - policy.pairs} ERR pairs that change the contract itself (not only oasdiff's sunset/stability policy rules, ${policy.pairs} pairs, ${policy.ours} flagged): recall ${pct(tally.err.ours - policy.ours, tally.err.pairs - policy.pairs)}`,
);
console.log(
  `pairs oasdiff's full checker finds nothing breaking on: ${clean.pairs}; breaking-api-change: ${clean.oursErrors} error findings on ${clean.pairsWithErrors} pairs`,
);
console.log(`add-only pairs: ${tally.additive.pairs}`);
console.log(`  breaking-api-change: ${tally.additive.oursErrors} error findings on ${tally.additive.pairsWithErrors} pairs`);
console.log(`  openapi-diff alone:  ${tally.additive.odFalse} pairs reported breaking`);
console.log(
  `WARN/INFO (not scored): ${tally.other.pairs} pairs, ${tally.other.ours} flagged; unlabelled: ${tally.unlabelled.pairs} pairs, ${tally.unlabelled.ours} flagged`,
);
console.log(`time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (verbose) {
  console.log("\nmissed ERR pairs:\n  " + missed.join("\n  "));
  console.log("\nerrors on add-only pairs:\n  " + noisy.join("\n  "));
  console.log("\nerrors on pairs the full checker finds nothing breaking on:\n  " + noisyClean.join("\n  "));
}
