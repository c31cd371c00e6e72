import { z } from "zod";
import { defineRule } from "../engine/types.js";
import { addedSources, DEFAULT_TEST_PATHS } from "../formats/source/added-sources.js";
import { concept, identifierChains, namesConcept, type NamedConcept } from "../formats/source/identifiers.js";
import { MemberCallScanner } from "../formats/source/member-calls.js";
import { addsLineBetween, closingOffset, lineOf, type SourceFile } from "../formats/source/masking.js";

export const DEFAULT_PII_FIELDS = ["email", "phone", "password", "token", "ssn", "cardNumber", "address", "dateOfBirth"];

const options = z
  .object({
    fields: z
      .array(z.string().min(1))
      .default(DEFAULT_PII_FIELDS)
      .describe(
        "Sensitive field names. Built-in variants for the defaults (`user.email`, `emailAddress`, `getEmail()`, `card_number`, `pan`, `dob`, `access_token`, …); other names match by their words in any case style.",
      ),
    testPaths: z.array(z.string().min(1)).default(DEFAULT_TEST_PATHS).describe("Globs of test code and fixtures, which this rule does not judge."),
  })
  .strict();

/** Receivers that are loggers: `logger`, `log`, `this.logger`, `LOG`, `console`, `slog`, `zap`, `logrus`, `auditLog`. */
const LOGGER =
  /^(?:console|log|logs|logger|logging|loggers|slog|zap|zlog|logrus|glog|klog|structlog|winston|pino|bunyan|sugar|syslog|_log|_logger|lg|l|\w+logger|[a-z]+Log|\w+_log|\w+_logger)$/i;
const NOT_LOGGER = /^(?:catalog|dialog|changelog|backlog|blog|prolog|analog|epilog|weblog)$/i;
const LOG_METHODS = new Set([
  "log",
  "info",
  "warn",
  "warning",
  "error",
  "debug",
  "trace",
  "fatal",
  "critical",
  "exception",
  "verbose",
  "notice",
  "silly",
  "print",
  "println",
  "printf",
  "infof",
  "debugf",
  "warnf",
  "errorf",
  "fatalf",
  "panicf",
  "infow",
  "debugw",
  "warnw",
  "errorw",
  "infoln",
  "warnln",
  "errorln",
  "fatalln",
  "withfield",
  "withfields",
  "with",
  "infocontext",
  "debugcontext",
  "warncontext",
  "errorcontext",
  "logattrs",
]);
const SPAN = /^(?:span|\w*Span|currentSpan|getActiveSpan|current_span|get_current_span|activeSpan)$/;
const SPAN_METHODS = new Set(["setattribute", "setattributes", "set_attribute", "set_attributes", "addevent", "add_event"]);

/** How far after its `(` a call's closing bracket is looked for (`closingOffset`'s reach). */
const CALL_REACH = 6000;
/** A character no call match can hold (MEMBER_OR_PRINT_CALL matches names, blanks, brackets, dots and `?`). */
const OUTSIDE_CALL = /[^\w$\s().?]/;

/**
 * The calls (MEMBER_OR_PRINT_CALL) in a source that can hold an added line, with the same offsets and groups as a
 * scan of the whole text: those whose `(` is at most CALL_REACH before an added line or on one. A long file with a
 * few added lines is searched near them only. The search starts again just after a character no match can hold,
 * where a scan of the whole text has no match under way either, so what it finds from there is what that scan finds.
 */
function* callsNearAddedLines(source: SourceFile): Generator<RegExpExecArray> {
  const { masked, starts } = source;
  const windows: [number, number][] = [];
  for (const line of [...source.added].sort((a, b) => a - b)) {
    const from = Math.max(0, (starts[line - 1] ?? masked.length) - CALL_REACH);
    const to = starts[line] ?? masked.length;
    const last = windows.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else windows.push([from, to]);
  }
  const restart = (at: number) => {
    let q = at;
    while (q > 0 && !OUTSIDE_CALL.test(masked[q - 1]!)) q--;
    return q;
  };
  if (windows.length === 0) return;
  const re = new MemberCallScanner(masked);
  re.lastIndex = restart(windows[0]![0]);
  let w = 0;
  for (let m = re.exec(); m; m = re.exec()) {
    while (w < windows.length && m.index > windows[w]![1]) w++;
    if (w === windows.length) return;
    if (m.index < windows[w]![0]) {
      const from = restart(windows[w]![0]);
      if (from > m.index) {
        re.lastIndex = from;
        continue;
      }
    }
    yield m;
  }
}

/** Wrappers that make a value safe or no longer personal: `mask(email)`, `len(password)`, `hash(token)`. */
const SAFE_WRAPPER =
  /(?:(?:mask|redact|hash|sanitiz|obfuscat|anonymi|scrub|encrypt|truncat|censor|last4|len|length|count|bool|typeof|isset|empty|present|exists)\w*\s*\(\s*|!\s*|\btypeof\s+)$/i;

function isLogCall(receiver: string, method: string): "log" | "span" | undefined {
  const m = method.toLowerCase();
  if (SPAN.test(receiver) && SPAN_METHODS.has(m)) return "span";
  if (NOT_LOGGER.test(receiver)) return undefined;
  if ((receiver === "out" || receiver === "err") && /^print/.test(m)) return "log"; // System.out.println
  if (receiver === "fmt" && /^print/.test(m)) return "log";
  if (LOGGER.test(receiver) && LOG_METHODS.has(m)) return "log";
  return undefined;
}

interface Hit {
  line: number;
  field: string;
  expression: string;
  call: string;
  kind: "log" | "span";
}

/** Sensitive values written by one log/trace call whose `(` is at `open`. */
function sensitiveArguments(source: SourceFile, open: number, fields: NamedConcept[]): { field: string; expression: string; offset: number }[] {
  const end = closingOffset(source.masked, open);
  if (end === undefined) return [];
  const args = source.masked.slice(open + 1, end - 1);
  const found: { field: string; expression: string; offset: number }[] = [];
  for (const chain of identifierChains(args)) {
    const after = args.slice(chain.end, chain.end + 3);
    if (/^\s*(?::(?!:)|=(?!=))/.test(after)) continue; // a key (`email: …`, `email=…`), not a value
    if (/^\s*\(/.test(after) && !/^get[A-Z_]|^get$/.test(chain.last)) continue; // a function call other than a getter
    if (SAFE_WRAPPER.test(args.slice(Math.max(0, chain.index - 40), chain.index))) continue;
    const field = fields.find((f) => namesConcept(chain.last, f, chain.owner));
    if (field) found.push({ field: field.name, expression: chain.text, offset: open + 1 + chain.index });
  }
  // String keys that name the field: `{ "user.email": value }`, `{'demo.payment.card_number': number}`. The key
  // states what is written, unless the value is a literal or goes through a masking call.
  const rawArgs = source.text.slice(open + 1, end - 1);
  for (const m of rawArgs.matchAll(/(["'])([\w.-]+)\1\s*:\s*([^,}\n]*)/g)) {
    const at = open + 1 + m.index!;
    if (source.masked[at] !== m[1]) continue; // in a comment
    const value = m[3]!.trim();
    if (value === "" || /^(?:["'`\d]|true\b|false\b|null\b|None\b|undefined\b)/.test(value) || SAFE_WRAPPER.test(value.replace(/\(.*$/, "(")))
      continue;
    const words = m[2]!.split(".");
    const field = fields.find((f) => namesConcept(words.at(-1)!, f, words.at(-2)));
    if (field && !found.some((f) => f.field === field.name && lineOf(source, f.offset) === lineOf(source, at))) {
      found.push({ field: field.name, expression: m[2]!, offset: at });
    }
  }
  // Subscripts with a string key: user["email"], row['card_number'] (string contents are masked, so read the text).
  const raw = source.text.slice(open + 1, end - 1);
  for (const m of raw.matchAll(/\[\s*["'](\w+)["']\s*\]/g)) {
    if (source.masked[open + 1 + m.index!] !== "[") continue;
    const field = fields.find((f) => namesConcept(m[1]!, f));
    if (field && !SAFE_WRAPPER.test(raw.slice(Math.max(0, m.index! - 60), m.index!).replace(/[\w$.]*$/, ""))) {
      found.push({ field: field.name, expression: m[0], offset: open + 1 + m.index! });
    }
  }
  return found;
}

export const piiInLogs = defineRule({
  meta: {
    id: "pii-in-logs",
    title: "Personal data in logs",
    category: "security",
    defaultSeverity: "warning",
    description:
      "An added log, print or trace-attribute statement (TS/JS, Python, Go, Java/Kotlin) that writes a configured sensitive field such as email, phone, password, token or card number.",
    options,
    messages: {
      sensitiveFieldLogged: "`{{call}}` writes `{{expression}}` ({{field}}) to the logs",
      sensitiveFieldTraced: "`{{call}}` writes `{{expression}}` ({{field}}) to trace attributes",
    },
    remediation:
      "Log a stable pseudonymous id instead (user id, a salted hash), mask the value (`a***@example.com`, last 4 digits), or drop it; logs and traces are kept longer and read by more people than the database.",
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const fields = opts.fields.map(concept);
    for (const source of await addedSources(ctx, ["js", "python", "go", "java", "kotlin"], opts.testPaths)) {
      const hits: Hit[] = [];
      for (const m of callsNearAddedLines(source)) {
        const kind = m[3] ? (["python", "kotlin", "go"].includes(source.language) ? "log" : undefined) : isLogCall(m[1]!, m[2]!);
        if (!kind) continue;
        const open = m.index! + m[0].lastIndexOf("(");
        const call = m[3] ?? `${m[1]}.${m[2]}`;
        const close = closingOffset(source.masked, open, CALL_REACH);
        if (close === undefined) {
          const line = lineOf(source, open);
          if (source.added.has(line))
            ctx.note(`${source.path}:${line}: could not find the end of \`${call}(\` (unbalanced brackets); it was not judged`, "not-judged");
          continue;
        }
        // Only values on added lines are reported: a call that adds no line between its brackets has none.
        if (!addsLineBetween(source, open, close)) continue;
        for (const value of sensitiveArguments(source, open, fields)) {
          const line = lineOf(source, value.offset);
          if (!source.added.has(line)) continue;
          if (hits.some((h) => h.line === line && h.field === value.field)) continue;
          hits.push({ line, field: value.field, expression: value.expression, call, kind });
        }
      }
      const occurrences = new Map<string, number>();
      for (const hit of hits) {
        const base = `${hit.call}:${hit.expression}`;
        const count = (occurrences.get(base) ?? 0) + 1;
        occurrences.set(base, count);
        ctx.report({
          messageId: hit.kind === "span" ? "sensitiveFieldTraced" : "sensitiveFieldLogged",
          data: { call: hit.call, expression: hit.expression, field: hit.field },
          file: source.path,
          line: hit.line,
          key: count > 1 ? `${base}#${count}` : base,
        });
      }
    }
  },
});
