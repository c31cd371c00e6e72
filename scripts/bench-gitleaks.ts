/**
 * Benchmark for `plaintext-secret` against gitleaks' own per-rule examples (not a test).
 *
 *   git --git-dir=<mirror of gitleaks/gitleaks> archive HEAD cmd/generate/config | tar -x -C /tmp/gitleaks
 *   npm run bench:gitleaks -- /tmp/gitleaks
 *
 * Each `cmd/generate/config/rules/<provider>.go` defines rules with `tps` (true positives) and `fps` (false
 * positives), often generated: `utils.GenerateSampleSecrets(id, secret)` renders a secret in ~30 file formats,
 * `secrets.NewSecret(regex)` draws a random string from a regex. This script evaluates those Go expressions with
 * a small interpreter (string literals, `+`, `[]string{}`, `append`, `fmt.Sprintf`, the utils helpers; the
 * formats are read from `utils/generate.go` itself), keeps the rules for the secret kinds we cover, and runs
 * every example through the rule as an added config file. Prints recall on tps, the share of fps we flag, and
 * precision = TP / (TP + FP).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { changeFromTrees } from "../src/engine/memory-change.js";
import { plaintextSecret } from "../src/rules/plaintext-secret.js";
import { defaultConfig, reviewChange } from "../src/builtins.js";

const root = process.argv[2];
if (!root) {
  console.error("usage: bench-gitleaks <folder containing cmd/generate/config>");
  process.exit(2);
}
const configDir = join(root, "cmd", "generate", "config");

/** gitleaks rule ids for the kinds plaintext-secret covers. */
const COVERED = new Set([
  "aws-access-token",
  "github-pat",
  "github-fine-grained-pat",
  "github-oauth",
  "github-app-token",
  "github-refresh-token",
  "gitlab-pat",
  "gitlab-pat-routable",
  "gitlab-ptt",
  "gitlab-deploy-token",
  "gitlab-runner-authentication-token",
  "gitlab-cicd-job-token",
  "gitlab-oauth-app-secret",
  "slack-bot-token",
  "slack-user-token",
  "slack-app-token",
  "slack-config-access-token",
  "slack-config-refresh-token",
  "slack-legacy-bot-token",
  "slack-legacy-workspace-token",
  "slack-legacy-token",
  "slack-webhook-url",
  "stripe-access-token",
  "gcp-api-key",
  "private-key",
  "jwt",
  "sendgrid-api-token",
  "twilio-api-key",
  "npm-access-token",
]);

// ---------------------------------------------------------------- random strings from simple regexes
let seed = 20261121;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/** Draws a string matching a simple regex: literals, escapes, [classes] and {n}/{n,m}/?/+/* quantifiers. */
function sampleRegex(pattern: string): string {
  const source = pattern.replace(/^\(\?i\)/, "");
  let out = "";
  let i = 0;
  const expand = (cls: string): string[] => {
    const chars: string[] = [];
    for (let j = 0; j < cls.length; j++) {
      let ch = cls[j]!;
      if (ch === "\\") {
        const next = cls[++j]!;
        if (next === "d") chars.push(..."0123456789");
        else if (next === "w") chars.push(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        else chars.push(next);
        continue;
      }
      if (cls[j + 1] === "-" && j + 2 < cls.length) {
        const end = cls[j + 2]!;
        for (let c = ch.charCodeAt(0); c <= end.charCodeAt(0); c++) chars.push(String.fromCharCode(c));
        j += 2;
        continue;
      }
      chars.push(ch);
      ch = "";
    }
    return chars;
  };
  while (i < source.length) {
    let atom: string[];
    const ch = source[i]!;
    if (ch === "[") {
      const close = source.indexOf("]", i + 2);
      atom = expand(source.slice(i + 1, close));
      i = close + 1;
    } else if (ch === "\\") {
      atom = expand(source.slice(i, i + 2));
      i += 2;
    } else {
      atom = [ch];
      i++;
    }
    let min = 1;
    let max = 1;
    const q = /^\{(\d+)(?:,(\d*))?\}|^[?+*]/.exec(source.slice(i));
    if (q) {
      if (q[0] === "?") [min, max] = [0, 1];
      else if (q[0] === "+") [min, max] = [1, 8];
      else if (q[0] === "*") [min, max] = [0, 8];
      else [min, max] = [Number(q[1]), q[2] === undefined ? Number(q[1]) : q[2] === "" ? Number(q[1]) + 8 : Number(q[2])];
      i += q[0].length;
    }
    const count = min + Math.floor(random() * (max - min + 1));
    for (let k = 0; k < count; k++) out += atom[Math.floor(random() * atom.length)];
  }
  return out;
}

// ---------------------------------------------------------------- a tiny Go expression interpreter
type Value = string | string[];

function goStringLiteral(text: string): string {
  if (text.startsWith("`")) return text.slice(1, -1);
  return text
    .slice(1, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
      e[0] === "x" || e[0] === "u"
        ? String.fromCharCode(parseInt(e.slice(1), 16))
        : (({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[e] ?? e),
    );
}

const TOKEN = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|`[^`]*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\])'|\.\.\.|[A-Za-z_][\w.]*|\d+|[-+*/(){}[\],:=;<>!&|%^.]/gy;

function tokenize(code: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < code.length && (m = TOKEN.exec(code))) {
    if (!/^\s|^\/\/|^\/\*/.test(m[0])) tokens.push(m[0]);
  }
  return tokens;
}

class Interpreter {
  private pos = 0;
  constructor(
    private readonly tokens: string[],
    private readonly env: Map<string, Value>,
    private readonly formats: Record<string, string>,
    private readonly helpers: Record<string, string>,
  ) {}

  expression(): Value {
    let left = this.primary();
    while (this.tokens[this.pos] === "+") {
      this.pos++;
      const right = this.primary();
      if (Array.isArray(left) || Array.isArray(right)) throw new Error("cannot add lists");
      left = left + right;
    }
    return left;
  }

  private expect(token: string): void {
    if (this.tokens[this.pos] !== token) throw new Error(`expected ${token} at ${this.tokens.slice(this.pos, this.pos + 5).join(" ")}`);
    this.pos++;
  }

  private args(): Value[] {
    this.expect("(");
    const values: Value[] = [];
    while (this.tokens[this.pos] !== ")") {
      const value = this.expression();
      if (this.tokens[this.pos] === "...") this.pos++;
      values.push(value);
      if (this.tokens[this.pos] === ",") this.pos++;
    }
    this.expect(")");
    return values;
  }

  private primary(): Value {
    const token = this.tokens[this.pos++]!;
    if (token.startsWith('"') || token.startsWith("`")) return goStringLiteral(token);
    if (token === "(") {
      const value = this.expression();
      this.expect(")");
      return value;
    }
    if (token === "[") {
      this.expect("]");
      this.expect("string");
      this.expect("{");
      const items: string[] = [];
      while (this.tokens[this.pos] !== "}") {
        const value = this.expression();
        if (Array.isArray(value)) items.push(...value);
        else items.push(value);
        if (this.tokens[this.pos] === ",") this.pos++;
      }
      this.expect("}");
      return items;
    }
    if (this.tokens[this.pos] === "(") {
      const args = this.args();
      return this.call(token, args);
    }
    if (this.env.has(token)) return this.env.get(token)!;
    throw new Error(`unknown name ${token}`);
  }

  private call(name: string, args: Value[]): Value {
    const s = (i: number) => {
      const v = args[i];
      if (typeof v !== "string") throw new Error(`${name}: argument ${i} is not a string`);
      return v;
    };
    switch (name) {
      case "append":
        return [...(args[0] as string[]), ...args.slice(1).flatMap((a) => (Array.isArray(a) ? a : [a]))];
      case "secrets.NewSecret":
        return sampleRegex(s(0));
      case "utils.GenerateSampleSecret":
        return `${s(0)}_api_token = "${s(1)}"`;
      case "utils.GenerateSampleSecrets":
        return Object.values(this.formats).map((f) => f.replaceAll("{i}", s(0)).replaceAll("{I}", s(0).toUpperCase()).replaceAll("{s}", s(1)));
      case "fmt.Sprintf": {
        let i = 1;
        return s(0).replace(/%[sdv]/g, () => String(args[i++]));
      }
      case "strings.Repeat":
        return s(0).repeat(Number(s(1)));
      default: {
        const helper = this.helpers[name.replace(/^utils\./, "")];
        if (helper !== undefined) return helper.replace("%s", s(0));
        throw new Error(`unknown function ${name}`);
      }
    }
  }

  /** Runs `tps := …`, `tps = append(…)`, `fps := …` statements of one function body. */
  static run(body: string, formats: Record<string, string>, helpers: Record<string, string>, failures: string[]): Map<string, Value> {
    const env = new Map<string, Value>();
    const tokens = tokenize(body);
    for (let i = 0; i < tokens.length; i++) {
      const name = tokens[i]!;
      if (!/^(?:tps|fps|[a-z]\w*Tps|[a-z]\w*Fps)$/.test(name)) continue;
      if (tokens[i + 1] !== ":=" && tokens[i + 1] !== "=") {
        if (tokens[i + 1] === ":" && tokens[i + 2] === "=") tokens.splice(i + 1, 2, ":=");
        else continue;
      }
      const interpreter = new Interpreter(tokens, env, formats, helpers);
      interpreter.pos = i + 2;
      try {
        env.set(name, interpreter.expression());
        i = interpreter.pos - 1;
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
      }
    }
    return env;
  }
}

// ---------------------------------------------------------------- read the gitleaks sources
function sampleFormats(): Record<string, string> {
  const text = readFileSync(join(configDir, "utils", "generate.go"), "utf8");
  const block = text.slice(text.indexOf("samples := map[string]string{"));
  const formats: Record<string, string> = {};
  for (const line of block.split("\n").slice(1)) {
    if (/^\s*}/.test(line)) break;
    const m = /^\s*("(?:\\.|[^"\\])*")\s*:\s*(`[^`]*`|"(?:\\.|[^"\\])*")\s*,/.exec(line);
    if (m) formats[goStringLiteral(m[1]!)] = goStringLiteral(m[2]!);
  }
  return formats;
}

function helperPatterns(): Record<string, string> {
  const text = readFileSync(join(configDir, "utils", "patterns.go"), "utf8");
  const helpers: Record<string, string> = {};
  for (const m of text.matchAll(/func (\w+)\(size string\) string \{\s*return fmt\.Sprintf\(`([^`]*)`, size\)/g)) helpers[m[1]!] = m[2]!;
  return helpers;
}

interface Example {
  rule: string;
  text: string;
  positive: boolean;
}

function examples(): { list: Example[]; failures: string[] } {
  const formats = sampleFormats();
  const helpers = helperPatterns();
  const list: Example[] = [];
  const failures: string[] = [];
  const rulesDir = join(configDir, "rules");
  for (const file of readdirSync(rulesDir)
    .filter((f) => f.endsWith(".go"))
    .sort()) {
    const text = readFileSync(join(rulesDir, file), "utf8");
    const functions = text.split(/\nfunc /).slice(1);
    for (const fn of functions) {
      const rule = /RuleID:\s*"([^"]+)"/.exec(fn)?.[1];
      if (!rule || !COVERED.has(rule)) continue;
      const env = Interpreter.run(fn, formats, helpers, failures);
      for (const [name, value] of env) {
        const items = Array.isArray(value) ? value : [value];
        for (const item of items) list.push({ rule, text: item, positive: /tps$/i.test(name) });
      }
    }
  }
  return { list, failures };
}

// ---------------------------------------------------------------- run
const { list, failures } = examples();
const config = defaultConfig();
config.rules["plaintext-secret"] = { severity: "error", options: { testPaths: [], ignoreValues: [] } };
const perRule = new Map<string, { tp: number; fn: number; fp: number; tn: number }>();
const missed: string[] = [];
const wrong: string[] = [];
for (const example of list) {
  const report = await reviewChange(changeFromTrees({}, { "config/app.conf": `${example.text}\n` }), config, {
    rules: [plaintextSecret],
    triggers: [],
  });
  const flagged = report.findings.length > 0;
  const stats = perRule.get(example.rule) ?? { tp: 0, fn: 0, fp: 0, tn: 0 };
  if (example.positive) {
    if (flagged) stats.tp++;
    else {
      stats.fn++;
      missed.push(`${example.rule}: ${example.text.slice(0, 100).replace(/\n/g, "\\n")}`);
    }
  } else if (flagged) {
    stats.fp++;
    wrong.push(`${example.rule}: ${example.text.slice(0, 100).replace(/\n/g, "\\n")}`);
  } else stats.tn++;
  perRule.set(example.rule, stats);
}

let tp = 0;
let fn = 0;
let fp = 0;
let tn = 0;
for (const [rule, s] of [...perRule].sort()) {
  console.log(`${rule.padEnd(36)} tps ${String(s.tp).padStart(3)}/${String(s.tp + s.fn).padEnd(3)}  fps flagged ${s.fp}/${s.fp + s.tn}`);
  tp += s.tp;
  fn += s.fn;
  fp += s.fp;
  tn += s.tn;
}
if (failures.length > 0)
  console.log(`\nexpressions the interpreter could not evaluate (${failures.length}):\n  ${failures.slice(0, 20).join("\n  ")}`);
if (missed.length > 0) console.log(`\nmissed true positives (${missed.length}):\n  ${missed.slice(0, 30).join("\n  ")}`);
if (wrong.length > 0) console.log(`\nflagged false positives (${wrong.length}):\n  ${wrong.slice(0, 30).join("\n  ")}`);
console.log(
  `\nrules ${perRule.size}  examples ${list.length}  recall ${(tp / Math.max(1, tp + fn)).toFixed(3)} (${tp}/${tp + fn})  ` +
    `precision ${(tp / Math.max(1, tp + fp)).toFixed(3)}  fps flagged ${fp}/${fp + tn}`,
);
