/**
 * Benchmark for `outbound-call-timeout` against semgrep-rules' annotated fixtures (not a test).
 *
 *   git --git-dir=<mirror of semgrep/semgrep-rules> archive HEAD python | tar -x -C /tmp/semgrep-rules
 *   npm run bench:semgrep -- /tmp/semgrep-rules
 *
 * Every source file under the folder whose `ruleid:` / `ok:` annotations name an outbound-call timeout
 * rule (`use-timeout`, or an id pairing "timeout" with request/http/client) is reviewed as a newly added file. Each annotation labels the next code line:
 * `ruleid` must get a finding on that line, `ok` must not. Prints per-file results and the agreement.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

import { changeFromTrees } from "../src/engine/memory-change.js";
import { languageOf } from "../src/formats/source/masking.js";
import { outboundCallTimeout } from "../src/rules/outbound-call-timeout.js";
import { defaultConfig, reviewChange } from "../src/builtins.js";

const root = process.argv[2];
if (!root) {
  console.error("usage: bench-semgrep <folder with semgrep-rules files>");
  process.exit(2);
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (languageOf(full)) out.push(full);
  }
  return out;
}

/** Rule ids about timeouts of outbound calls (not e.g. `regular-expression-dos-infinite-timeout`). */
const OUTBOUND_TIMEOUT_ID = /^(?:use-timeout|.*(?:request|http|client|fetch|axios|call)[\w-]*timeout.*|.*timeout[\w-]*(?:request|http|client).*)$/;

const ANNOTATION = /^\s*(?:#|\/\/)\s*(ruleid|ok|todoruleid|todook)\s*:\s*([\w.,\s-]+)$/;

let agree = 0;
let total = 0;
let truePositives = 0;
let falsePositives = 0;
let falseNegatives = 0;
for (const file of walk(root)) {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const labels: { line: number; expected: boolean }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = ANNOTATION.exec(lines[i]!);
    if (!m || !m[2]!.split(",").some((id) => OUTBOUND_TIMEOUT_ID.test(id.trim()))) continue;
    // todoruleid: semgrep itself misses it but it is a true positive; todook: semgrep flags it wrongly.
    const expected = m[1] === "ruleid" || m[1] === "todoruleid";
    let j = i + 1;
    while (j < lines.length && (ANNOTATION.test(lines[j]!) || lines[j]!.trim() === "")) j++;
    labels.push({ line: j + 1, expected });
  }
  if (labels.length === 0) continue;
  const path = relative(root, file).split("\\").join("/");
  const report = await reviewChange(changeFromTrees({}, { [path]: text }), defaultConfig(), { rules: [outboundCallTimeout], triggers: [] });
  const flagged = new Set(report.findings.map((f) => f.line));
  let fileAgree = 0;
  for (const label of labels) {
    const got = flagged.has(label.line);
    total++;
    if (got === label.expected) {
      agree++;
      fileAgree++;
    }
    if (got && label.expected) truePositives++;
    else if (got) falsePositives++;
    else if (label.expected) falseNegatives++;
    if (got !== label.expected) console.log(`  mismatch ${path}:${label.line} expected ${label.expected ? "finding" : "none"}`);
  }
  const unlabelled = [...flagged].filter((l) => !labels.some((x) => x.line === l));
  console.log(
    `${path}: ${fileAgree}/${labels.length} annotations agree${unlabelled.length ? `, ${unlabelled.length} findings on unannotated lines (${unlabelled.join(", ")})` : ""}`,
  );
}
if (total === 0) {
  console.error("no timeout annotations found under", root);
  process.exit(2);
}
console.log(`annotations: ${total}  agreement: ${(agree / total).toFixed(3)}  TP ${truePositives}  FP ${falsePositives}  FN ${falseNegatives}`);
