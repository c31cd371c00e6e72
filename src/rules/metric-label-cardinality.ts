import { z } from "zod";
import { defineRule } from "../engine/types.js";
import { addedSources, DEFAULT_TEST_PATHS } from "../formats/source/added-sources.js";
import { concept, namesConcept, type NamedConcept } from "../formats/source/identifiers.js";
import { addsLineBetween, closingOffset, lineOf, type SourceFile } from "../formats/source/masking.js";

export const DEFAULT_UNBOUNDED_LABELS = [
  "userId",
  "customerId",
  "accountId",
  "sessionId",
  "requestId",
  "traceId",
  "spanId",
  "correlationId",
  "orderId",
  "transactionId",
  "deviceId",
  "username",
  "email",
  "ip",
  "ipAddress",
  "url",
  "uri",
  "path",
  "query",
];

const options = z
  .object({
    unboundedLabels: z
      .array(z.string().min(1))
      .default(DEFAULT_UNBOUNDED_LABELS)
      .describe("Label names that are unbounded; matched by their words in any case style (`user_id`, `userId`, `user.id`)."),
    allowedLabels: z
      .array(z.string().min(1))
      .default([])
      .describe("Exact label names that are fine in this repository (e.g. `path` when it is already a route template)."),
    testPaths: z.array(z.string().min(1)).default(DEFAULT_TEST_PATHS).describe("Globs of test code and fixtures, which this rule does not judge."),
  })
  .strict();

interface Label {
  name: string;
  /** Offset of the label in the source text. */
  offset: number;
}

interface Detector {
  /** Matched on masked source; the call's `(` is the last `(` of the match. */
  pattern: RegExp;
  /**
   * Text every match of `pattern` contains: a file without it cannot match, so the slower pattern is not
   * run over it (patterns that open with `\w*` try every word of a file).
   */
  hints?: RegExp[];
  /** What the finding calls this place, e.g. `prom-client labelNames`. */
  context: string;
  labels(source: SourceFile, open: number, end: number, match: RegExpMatchArray): Label[];
}

const STRING = /(["'`])((?:(?!\1)[^\\\n]|\\.)*)\1/g;

/** String literals between `from` and `to` that are code (not inside comments), with their contents' offsets. */
function strings(source: SourceFile, from: number, to: number): Label[] {
  const out: Label[] = [];
  for (const m of source.text.slice(from, to).matchAll(STRING)) {
    const at = from + m.index!;
    if (source.masked[at] !== m[1]) continue; // inside a comment
    out.push({ name: m[2]!, offset: at + 1 });
  }
  return out;
}

/** The bracketed list (`[...]`, `(...)`, `{...}`) starting at the first opener at or after `from`, before `to`. */
function listAfter(source: SourceFile, from: number, to: number, opener: RegExp): [number, number] | undefined {
  const m = opener.exec(source.masked.slice(from, to));
  if (!m) return undefined;
  const open = from + m.index! + m[0].length - 1;
  const close = closingOffset(source.masked, open);
  return close === undefined || close > to ? undefined : [open, close];
}

/** Keys of the object literal(s) between `from` and `to`: `{ userId: x }`, `{ "user.id": x }`, `{ userId }`. */
function objectKeys(source: SourceFile, from: number, to: number): Label[] {
  const out: Label[] = [];
  const text = source.text.slice(from, to);
  for (const m of text.matchAll(/([{,]\s*)(?:(["'])([\w.:-]+)\2|([A-Za-z_$][\w$]*))\s*(:(?!:)|(?=\s*[,}]))/g)) {
    const at = from + m.index! + m[1]!.length;
    if (source.masked[at] !== text[m.index! + m[1]!.length]) continue;
    if (innermostOpener(source, from, at) !== "{") continue; // `f(1, x, y)` has no keys
    out.push({ name: m[3] ?? m[4]!, offset: at + (m[2] ? 1 : 0) });
  }
  return out;
}

/** The innermost bracket still open at `offset`, scanning masked text from `from`. */
function innermostOpener(source: SourceFile, from: number, offset: number): string | undefined {
  const at = innermostOpenerIndex(source, from, offset);
  return at === undefined ? undefined : source.masked[at];
}

function innermostOpenerIndex(source: SourceFile, from: number, offset: number): number | undefined {
  const stack: number[] = [];
  for (let i = from; i < offset; i++) {
    const ch = source.masked[i]!;
    if (ch === "(" || ch === "[" || ch === "{") stack.push(i);
    else if (ch === ")" || ch === "]" || ch === "}") stack.pop();
  }
  return stack.at(-1);
}

/** Python keyword arguments `name=` between `from` and `to`. */
function keywordArguments(source: SourceFile, from: number, to: number): Label[] {
  const out: Label[] = [];
  for (const m of source.masked.slice(from, to).matchAll(/([(,]\s*)([A-Za-z_]\w*)\s*=(?!=)/g)) {
    out.push({ name: m[2]!, offset: from + m.index! + m[1]!.length });
  }
  return out;
}

/** Every other string argument, starting at `first` (Micrometer `"k1", v1, "k2", v2`). */
function pairedKeys(source: SourceFile, open: number, end: number, first: number): Label[] {
  const args = topLevelArguments(source, open, end);
  const out: Label[] = [];
  for (let i = first; i < args.length; i += 2) {
    const [from, to] = args[i]!;
    const literal = strings(source, from, to)[0];
    if (
      literal &&
      source.text
        .slice(from, to)
        .trim()
        .startsWith(source.text[literal.offset - 1]!)
    )
      out.push(literal);
  }
  return out;
}

function topLevelArguments(source: SourceFile, open: number, end: number): [number, number][] {
  const args: [number, number][] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < end - 1; i++) {
    const ch = source.masked[i];
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) {
      args.push([start, i]);
      start = i + 1;
    }
  }
  if (source.masked.slice(start, end - 1).trim() !== "") args.push([start, end - 1]);
  return args;
}

const DETECTORS: Detector[] = [
  {
    // prom-client: new client.Counter({ name, help, labelNames: ["route", "user_id"] })
    pattern: /\bnew\s+(?:[\w$]+\.)?(?:Counter|Gauge|Histogram|Summary)\s*\(/g,
    hints: [/Counter|Gauge|Histogram|Summary/],
    context: "labelNames",
    labels(source, open, end) {
      const list = listAfter(source, open, end, /\blabelNames\s*:\s*\[/);
      return list ? strings(source, list[0], list[1]) : [];
    },
  },
  {
    // prometheus_client: Counter("name", "doc", ["user_id"]) or labelnames=[...]
    pattern: /(?<![\w$.])(?:prometheus_client\.|prom\.)?(?:Counter|Gauge|Histogram|Summary|Enum|Info)\s*\(/g,
    hints: [/(?:Counter|Gauge|Histogram|Summary|Enum|Info)\s*\(/],
    context: "labelnames",
    labels(source, open, end) {
      if (source.language !== "python") return [];
      const keyword = listAfter(source, open, end, /\blabelnames\s*=\s*[[(]/);
      if (keyword) return strings(source, keyword[0], keyword[1]);
      const third = topLevelArguments(source, open, end)[2];
      if (!third || !/^\s*[[(]/.test(source.masked.slice(third[0], third[1]))) return [];
      return strings(source, third[0], third[1]);
    },
  },
  {
    // Go: prometheus.NewCounterVec(opts, []string{"user_id"}) / promauto.With(reg).NewHistogramVec(...)
    pattern: /\bNew(?:Counter|Gauge|Histogram|Summary)Vec\s*\(/g,
    hints: [/Vec/],
    context: "label names",
    labels(source, open, end) {
      const list = listAfter(source, open, end, /\[\]string\s*\{/);
      return list ? strings(source, list[0], list[1]) : [];
    },
  },
  {
    // Go: prometheus.Labels{"user_id": id}
    pattern: /\bprometheus\s*\.\s*Labels\s*\{/g,
    hints: [/Labels/],
    context: "prometheus.Labels",
    labels(source, open, end) {
      // The same type carries exemplars (`ObserveWithExemplar(v, prometheus.Labels{"traceID": id})`), where
      // trace ids belong.
      const around = source.masked.slice(Math.max(0, open - 300), open) + source.masked.slice(end, end + 40);
      if (/exemplar/i.test(around)) return [];
      return objectKeys(source, open, end);
    },
  },
  {
    // .labels({ userId }) / .labels(user_id=...) / .inc({ path }) / .observe({ ... }, v) / .startTimer({ ... })
    pattern: /\.\s*(?:labels|inc|dec|observe|set|startTimer)\s*\(/g,
    context: "metric labels",
    labels(source, open, end, match) {
      if (/\.\s*set\s*\($/.test(match[0]) && !/^\s*\{/.test(source.masked.slice(open + 1, end))) return [];
      // prom-client's object form `{ labels: {...}, exemplarLabels: {...}, value }`: exemplar labels are where
      // trace ids belong, and `labels`/`value` are the form's own keys.
      const labels = objectKeys(source, open, end).filter((l) => {
        if (source.masked.lastIndexOf("{", l.offset) <= open) return false;
        const brace = innermostOpenerIndex(source, open, l.offset)!;
        if (/exemplarLabels\s*:\s*$/.test(source.masked.slice(Math.max(open, brace - 40), brace))) return false;
        return !(
          ["labels", "exemplarLabels", "value"].includes(l.name) &&
          /^\s*\{/.test(source.masked.slice(brace, brace + 3)) &&
          brace === source.masked.indexOf("{", open)
        );
      });
      if (source.language === "python" && /labels/.test(match[0])) labels.push(...keywordArguments(source, open, end));
      return labels;
    },
  },
  {
    // Micrometer: Tag.of("userId", id), Tags.of("k", v, ...), .tag("userId", id), .tags("k", v, ...)
    pattern: /(?:\bTags?\s*\.\s*of|\.\s*tags?)\s*\(/g,
    context: "Micrometer tags",
    labels(source, open, end) {
      if (source.language !== "java" && source.language !== "kotlin") return [];
      return pairedKeys(source, open, end, 0);
    },
  },
  {
    // Micrometer: registry.counter("name", "userId", id) / Metrics.timer("name", "k", v)
    pattern: /\b(?:\w*[Rr]egistry|Metrics)\s*\.\s*(?:counter|timer|summary|gauge)\s*\(/g,
    hints: [/[Rr]egistry|Metrics/, /\.\s*(?:counter|timer|summary|gauge)\s*\(/],
    context: "Micrometer tags",
    labels(source, open, end) {
      if (source.language !== "java" && source.language !== "kotlin") return [];
      return pairedKeys(source, open, end, 1);
    },
  },
  {
    // OpenTelemetry metrics: counter.add(1, { "user.id": id }) / histogram.record(ms, attributes={...})
    pattern: /\b\w*(?:[Cc]ounter|[Hh]istogram|[Gg]auge|[Mm]eter|[Mm]etric|UpDown\w*)\s*\.\s*(?:add|record|Add|Record)\s*\(/g,
    hints: [/[Cc]ounter|[Hh]istogram|[Gg]auge|[Mm]eter|[Mm]etric|UpDown/, /\.\s*(?:add|record|Add|Record)\s*\(/],
    context: "metric attributes",
    labels(source, open, end) {
      const labels = objectKeys(source, open, end);
      if (source.language === "python") {
        for (const l of strings(source, open, end)) {
          if (/^\s*:/.test(source.text.slice(l.offset + l.name.length + 1, l.offset + l.name.length + 4))) labels.push(l);
        }
      }
      return labels;
    },
  },
  {
    // Go OpenTelemetry: metric.WithAttributes(attribute.String("user.id", id))
    pattern: /\bmetric\s*\.\s*WithAttributes\s*\(/g,
    hints: [/WithAttributes/],
    context: "metric attributes",
    labels(source, open, end) {
      const out: Label[] = [];
      for (const m of source.masked.slice(open, end).matchAll(/\battribute\s*\.\s*\w+\s*\(\s*"/g)) {
        const quote = open + m.index! + m[0].length - 1;
        const literal = strings(source, quote, end)[0];
        if (literal) out.push(literal);
      }
      return out;
    },
  },
  {
    // StatsD / DogStatsD: statsd.increment("x", tags=["user_id:" + id]) / client.increment("x", 1, ["userId:" + id])
    pattern:
      /\b\w*(?:statsd|StatsD|Statsd|stats|Stats|hotshots|HotShots)\w*\s*\.\s*(?:increment|decrement|incr|decr|Incr|Decr|gauge|Gauge|histogram|Histogram|timing|Timing|distribution|Distribution|count|Count|set|Set|timer)\s*\(/g,
    hints: [
      /stats|Stats|hotshots|HotShots/,
      /\.\s*(?:increment|decrement|incr|decr|Incr|Decr|gauge|Gauge|histogram|Histogram|timing|Timing|distribution|Distribution|count|Count|set|Set|timer)\s*\(/,
    ],
    context: "StatsD tags",
    labels(source, open, end) {
      const out: Label[] = [];
      for (const literal of strings(source, open, end)) {
        const tag = /^([\w.-]+):/.exec(literal.name);
        if (tag) out.push({ name: tag[1]!, offset: literal.offset });
      }
      out.push(...objectKeys(source, open, end));
      return out;
    },
  },
];

export const metricLabelCardinality = defineRule({
  meta: {
    id: "metric-label-cardinality",
    title: "Unbounded metric label",
    category: "scalability",
    defaultSeverity: "warning",
    description:
      "An added metric label, tag or attribute whose values are unbounded (user, customer, session, request or trace ids, emails, IPs, raw URLs and paths) in Prometheus, Micrometer, OpenTelemetry or StatsD code.",
    options,
    messages: {
      unboundedLabel: "{{context}} include `{{label}}` ({{kind}}): every distinct value creates a new time series",
    },
    remediation:
      "Use a bounded label (route template, status class, tenant tier) and put the unbounded value in logs or trace attributes, or add it as an exemplar.",
  },
  async evaluate(ctx) {
    const opts = ctx.options;
    const unbounded = opts.unboundedLabels.map(concept);
    const allowed = new Set(opts.allowedLabels);
    for (const source of await addedSources(ctx, ["js", "python", "go", "java", "kotlin"], opts.testPaths)) {
      const seen = new Set<number>();
      for (const detector of DETECTORS) {
        if (detector.hints && !detector.hints.every((hint) => hint.test(source.masked))) continue;
        for (const match of source.masked.matchAll(detector.pattern)) {
          const open = match.index! + match[0].length - 1;
          const end = closingOffset(source.masked, open);
          if (end === undefined) {
            const line = lineOf(source, open);
            if (source.added.has(line))
              ctx.note(`${source.path}:${line}: could not find the end of this call (unbalanced brackets); it was not judged`, "not-judged");
            continue;
          }
          // Labels are read between the brackets and reported only on added lines: a call adding none has none.
          if (!addsLineBetween(source, open, end)) continue;
          for (const label of detector.labels(source, open, end, match)) {
            if (seen.has(label.offset) || allowed.has(label.name)) continue;
            const line = lineOf(source, label.offset);
            if (!source.added.has(line)) continue;
            const kind = unboundedKind(label.name, unbounded);
            if (!kind) continue;
            seen.add(label.offset);
            ctx.report({
              messageId: "unboundedLabel",
              data: { context: detector.context, label: label.name, kind },
              file: source.path,
              line,
              key: `${detector.context}:${label.name}:${source.text
                .slice(Math.max(0, open - 40), open)
                .replace(/\s+/g, " ")
                .trim()}`,
            });
          }
        }
      }
    }
  },
});

function unboundedKind(label: string, unbounded: NamedConcept[]): string | undefined {
  return unbounded.find((c) => namesConcept(label, c))?.name;
}
