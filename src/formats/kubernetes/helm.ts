/**
 * Helm templates without Helm: rewrites a chart template into YAML that parses, keeping line numbers, so
 * the rules can judge what a template states literally and what it takes from values files.
 *
 * - Lines holding only control actions (`if`, `with`, `range`, `end`, `define`, comments) become blank.
 * - A splice such as `resources: {{- toYaml .Values.resources | nindent 12 }}` (on the key's line or on
 *   the line after it) becomes `resources: "<values ref>"`, resolved later against values.yaml.
 * - `{{- with .Values.livenessProbe }} livenessProbe: {{- toYaml . | nindent 12 }} {{- end }}` resolves
 *   `.` to the `with` value.
 * - A value that is a single `{{ .Values.x }}` becomes a values ref; any other inline action becomes an
 *   opaque placeholder ("set by the template", judged as present).
 * - Splices the sanitizer cannot follow (`include` of a helper, `tpl`, `range` output) become an opaque
 *   reference: the rules note them as not judged instead of guessing.
 */

export const VALUES_REF = "__archgate_values__:";
export const OPAQUE_REF = "__archgate_opaque__:";
export const TEMPLATED = "__archgate_templated__";
/** Key prefix of a map entry standing for spliced-in entries. */
export const SPLICE_KEY_PREFIX = "__archgate_splice_";

/** Pod spec keys whose values are lists: a splice under them is a list item. */
const LIST_KEYS = new Set([
  "containers",
  "initContainers",
  "volumes",
  "volumeMounts",
  "env",
  "envFrom",
  "ports",
  "args",
  "command",
  "tolerations",
  "imagePullSecrets",
  "hostAliases",
  "topologySpreadConstraints",
  "volumeClaimTemplates",
  "items",
]);

const ACTION = /\{\{-?([\s\S]*?)-?\}\}/g;
const ACTION_ONLY_LINE = /^\s*(?:\{\{-?[\s\S]*?-?\}\}\s*)+$/;
const KEY_ONLY_LINE = /^(\s*)(-\s+)?([^\s#'"{][^#]*?|"[^"]*"|'[^']*'):\s*$/;

interface Block {
  kind: string;
  /** The `.Values` path `.` refers to inside a `with` block. */
  dot?: string;
  /** What must hold for the block's current branch to render (a conjunction of simple values tests). */
  conditions: ValuesCondition[];
  /** The tests of the branches before this one (an `else` renders when they all failed). */
  previous: ValuesCondition[];
}

/** `.Values.<path>` is truthy (or falsy when `negate`), as Go templates judge it. */
export interface ValuesCondition {
  path: string;
  negate: boolean;
}

export interface HelmTemplate {
  /** Parseable YAML with the template's line numbers. */
  text: string;
  /** 1-based line -> the simple values tests its enclosing `if`/`with` branches need. */
  conditions: Map<number, ValuesCondition[]>;
}

/** `.Values.x`, `not .Values.x`, `.Values.x.enabled` as a test; undefined for anything more complex. */
function simpleCondition(expression: string, blocks: Block[]): ValuesCondition | undefined {
  const expr = expression.trim();
  const negated = /^not\s+(.+)$/.exec(expr);
  const path = valuesPath(negated ? negated[1]! : expr, blocks);
  return path === undefined ? undefined : { path, negate: negated !== null };
}

export function isHelmTemplated(text: string): boolean {
  return text.includes("{{");
}

/** The `.Values` path an expression names (`.Values.a.b`, `$.Values.a.b`, `(.Values.a.b)`), if it is only that. */
function valuesPath(expression: string, blocks: Block[]): string | undefined {
  const expr = expression
    .trim()
    .replace(/^\((.*)\)$/, "$1")
    .trim();
  const direct = /^\$?\.Values\.([\w.-]+)$/.exec(expr);
  if (direct) return direct[1];
  if (expr === ".") return [...blocks].reverse().find((b) => b.kind === "with" || b.kind === "range")?.dot;
  const relative = /^\.([\w.-]+)$/.exec(expr);
  if (relative) {
    const dot = [...blocks].reverse().find((b) => b.kind === "with" || b.kind === "range")?.dot;
    return dot === undefined ? undefined : `${dot}.${relative[1]}`;
  }
  return undefined;
}

/** What a splice action (`toYaml X | nindent N`, `include "common.tplvalues.render" (dict "value" X ...)`) inserts. */
export function spliceReference(body: string, blocks: Block[]): string {
  const text = body.trim();
  const pipeline = text.split("|").map((p) => p.trim());
  const head = pipeline[0] ?? "";
  const toYaml = /^toYaml\s+(.+)$/.exec(head);
  if (toYaml) {
    const path = valuesPath(toYaml[1]!, blocks);
    if (path !== undefined) return VALUES_REF + path;
  }
  // Bitnami's common.tplvalues.render renders the value it is given.
  const render = /^include\s+"[\w.-]*tplvalues\.render"\s+\(\s*dict\s+"value"\s+(\$?\.Values\.[\w.-]+|\.)\s/.exec(head);
  if (render) {
    const path = valuesPath(render[1]!, blocks);
    if (path !== undefined) return VALUES_REF + path;
  }
  return OPAQUE_REF + text.replace(/\s+/g, " ");
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Indentation of the next line after `from` that carries YAML content (not blank, not action-only). */
function nextContentIndent(lines: string[], from: number): { indent: number; sequence: boolean } | undefined {
  for (let j = from + 1; j < lines.length; j++) {
    const line = lines[j]!;
    if (line.trim() === "" || line.trim().startsWith("#") || ACTION_ONLY_LINE.test(line)) continue;
    return { indent: indentOf(line), sequence: line.trimStart().startsWith("- ") };
  }
  return undefined;
}

/** Rewrites a Helm template into parseable YAML with the same number of lines. */
export function sanitizeHelmTemplate(text: string): string {
  return readHelmTemplate(text).text;
}

/** Rewrites a Helm template into parseable YAML with the same lines, noting which values each line needs. */
export function readHelmTemplate(text: string): HelmTemplate {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const conditions = new Map<number, ValuesCondition[]>();
  const out: string[] = [];
  const blocks: Block[] = [];
  let splices = 0;
  const record = () => {
    const active = blocks.flatMap((b) => b.conditions);
    if (active.length > 0) conditions.set(out.length + 1, active);
  };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    // A comment spanning lines: blank it whole (it may hold template text of its own).
    if (/\{\{-?\s*\/\*/.test(line) && !/\*\/\s*-?\}\}/.test(line)) {
      let j = i;
      while (j < lines.length - 1 && !/\*\/\s*-?\}\}/.test(lines[j]!)) j++;
      const before = line.slice(0, line.search(/\{\{-?\s*\/\*/));
      out.push(before.trim() === "" ? "" : before);
      for (let k = i + 1; k <= j; k++) out.push("");
      i = j;
      continue;
    }
    // An action spanning several lines: blank the lines it covers.
    const open = line.lastIndexOf("{{");
    if (open >= 0 && line.indexOf("}}", open) < 0) {
      let j = i;
      while (j < lines.length - 1 && !lines[j]!.includes("}}")) j++;
      const joined = lines.slice(i, j + 1).join(" ");
      if (ACTION_ONLY_LINE.test(joined)) {
        handleActions(joined);
        for (let k = i; k <= j; k++) out.push("");
        i = j;
        continue;
      }
      line = joined;
      for (let k = i; k < j; k++) out.push("");
      i = j;
    }
    if (ACTION_ONLY_LINE.test(line)) {
      const replacement = handleActions(line, i);
      record();
      out.push(replacement);
      continue;
    }
    if (!line.includes("{{")) {
      record();
      out.push(line);
      continue;
    }
    // `key: {{- toYaml .Values.x | nindent 12 }}` and `key: {{ .Values.x }}`.
    line = line.replace(/^(\s*(?:-\s+)?[^\s#{][^#]*?:\s*)(\{\{-?([\s\S]*?)-?\}\})\s*$/, (whole, prefix: string, _action, body: string) => {
      const trimmed = body.trim();
      if (/^(toYaml|include|tpl)\b/.test(trimmed)) return prefix.replace(/\s*$/, " ") + JSON.stringify(spliceReference(trimmed, blocks));
      const simple = /^(\$?\.Values\.[\w.-]+|\.[\w.-]*)\s*(\|\s*(quote|squote|toString|int|int64|float64)\s*)*$/.exec(trimmed);
      if (simple) {
        const path = valuesPath(simple[1]!, blocks);
        if (path !== undefined) return prefix.replace(/\s*$/, " ") + JSON.stringify(VALUES_REF + path);
      }
      return whole;
    });
    record();
    out.push(line.replace(ACTION, TEMPLATED));
  }
  return { text: out.join("\n"), conditions };

  /** Tracks blocks; returns what replaces the line (blank, or an entry for a splice among literal entries). */
  function handleActions(line: string, index?: number): string {
    let replacement = "";
    for (const match of line.matchAll(ACTION)) {
      const body = match[1]!.trim();
      if (body.startsWith("/*")) continue;
      const keyword = /^(\w+)/.exec(body)?.[1];
      if (keyword === "with" || keyword === "if") {
        const test = simpleCondition(body.slice(keyword.length), blocks);
        blocks.push({
          kind: keyword,
          dot: keyword === "with" ? valuesPath(body.slice(4), blocks) : undefined,
          conditions: test ? [test] : [],
          previous: test ? [{ ...test, negate: !test.negate }] : [],
        });
      } else if (keyword === "range" || keyword === "define" || keyword === "block") {
        blocks.push({ kind: keyword, conditions: [], previous: [] });
      } else if (keyword === "end") {
        blocks.pop();
      } else if (keyword === "else" && blocks.length > 0) {
        // An else branch renders when every earlier test failed (and its own `if`/`with` test, if any, holds).
        const block = blocks[blocks.length - 1]!;
        const rest = body.replace(/^else\s*/, "");
        const chained = /^(if|with)\s+(.+)$/.exec(rest);
        const test = chained ? simpleCondition(chained[2]!, blocks) : undefined;
        blocks[blocks.length - 1] = {
          kind: chained?.[1] ?? block.kind,
          dot: chained?.[1] === "with" ? valuesPath(chained[2]!, blocks) : block.dot,
          conditions: [...block.previous, ...(test ? [test] : [])],
          previous: [...block.previous, ...(test ? [{ ...test, negate: !test.negate }] : [])],
        };
      } else if (index !== undefined && /^(toYaml|include|tpl)\b/.test(body)) {
        replacement = attachSplice(spliceReference(body, blocks), index, body) ?? replacement;
      }
    }
    return replacement;
  }

  /**
   * A splice on its own line becomes an entry of its own, standing in for the line: a map entry
   * `"__archgate_splice_N__": <ref>` or a sequence item `- <ref>`, at the indentation the template puts
   * the spliced text. The value resolver later merges map splices into their map.
   */
  function attachSplice(reference: string, index: number, body: string): string | undefined {
    let prev = out.length - 1;
    while (prev >= 0 && (out[prev]!.trim() === "" || out[prev]!.trim().startsWith("#"))) prev--;
    const previous = prev >= 0 ? out[prev]! : undefined;
    const key = previous !== undefined ? KEY_ONLY_LINE.exec(previous) : null;
    const keyIndent = key ? indentOf(previous!) + (key[2]?.length ?? 0) : -1;
    const next = nextContentIndent(lines, index);
    // `nindent N` / `indent N` says where the spliced lines go; else under the key, or level with the line above.
    const declared = /\b(?:nindent|indent)\s+(\d+)/.exec(body);
    const indent = declared ? Number(declared[1]) : key ? keyIndent + 2 : previous !== undefined ? indentOf(previous) : indentOf(lines[index]!);
    if (key && indent <= keyIndent) return undefined;
    // A sibling at the same indentation (nearest line above that is not deeper) tells list from map.
    let sibling: string | undefined;
    for (let j = prev; j >= 0; j--) {
      const line = out[j]!;
      if (line.trim() === "" || line.trim().startsWith("#")) continue;
      if (indentOf(line) <= indent) {
        if (indentOf(line) === indent) sibling = line;
        break;
      }
    }
    const sequence =
      sibling !== undefined
        ? sibling.trimStart().startsWith("- ")
        : (next !== undefined && next.indent === indent && next.sequence) || (key !== null && LIST_KEYS.has(key[3]!.trim()));
    const pad = " ".repeat(indent);
    splices++;
    return sequence ? `${pad}- ${JSON.stringify(reference)}` : `${pad}"${SPLICE_KEY_PREFIX}${splices}__": ${JSON.stringify(reference)}`;
  }
}
